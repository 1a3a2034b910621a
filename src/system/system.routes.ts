import Router from '@koa/router'
import { sql } from 'kysely'
import { timingSafeEqual } from 'node:crypto'
import { UnauthorizedError, UnavailableError } from '../http/errors'
import { bearerToken } from '../http/auth'
import { answers } from '../http/openapi'
import { registry, z } from 'koa-swagger-decorator'

const TAGS = ['System']
registry.registerPath({
  method: 'get',
  path: '/',
  operationId: 'System-about',
  summary: 'What this service is, and links to its parts',
  tags: TAGS,
  responses: answers(200, z.object({ name: z.string(), version: z.string(), links: z.record(z.string()) }).openapi('About')),
})
registry.registerPath({
  method: 'get',
  path: '/health',
  operationId: 'System-health',
  summary: 'Liveness: the database answers',
  tags: TAGS,
  responses: answers(200, z.object({ status: z.literal('ok'), database: z.object({ kind: z.enum(['postgres', 'embedded']), latency_ms: z.number() }) }).openapi('Health'), 503),
})
registry.registerPath({
  method: 'get',
  path: '/ready',
  operationId: 'System-ready',
  summary: 'Readiness: the database answers, migrations ran and the log subscription is reading (503 names the failing checks)',
  tags: TAGS,
  responses: answers(200, z.object({ status: z.literal('ready'), checks: z.record(z.boolean()) }).openapi('Ready'), 503),
})
registry.registerPath({
  method: 'get',
  path: '/metrics',
  operationId: 'System-metrics',
  summary: 'Prometheus metrics (text exposition format)',
  description: 'Open unless METRICS_TOKEN is set; then `Authorization: Bearer <METRICS_TOKEN>` is required (401 without it).',
  tags: TAGS,
  responses: answers(200, { 'text/plain': z.string() }, 401),
})

/** `GET /` (what this is and where to go) and `GET /health` (the database answers, or 503). */
export function systemRouter(info: { name: string; version: string }): Router {
  const router = new Router()
  router.get('/', (ctx) => {
    ctx.body = {
      name: info.name,
      version: info.version,
      links: { docs: '/docs', openapi: '/openapi.json', health: '/health', ready: '/ready', metrics: '/metrics', auth: '/api/v1/auth', products: '/api/v1/products', interview_plans: '/api/v1/mock-interviews', rooms: '/api/interview/rooms', machines: '/api/machines', visualizer: '/visualizer' },
    }
  })
  router.get('/health', async (ctx) => {
    const started = performance.now()
    try {
      await sql`select 1`.execute(ctx.deps.db)
    } catch {
      throw new UnavailableError('The database is unavailable', 'database_unavailable')
    }
    ctx.body = { status: 'ok', database: { kind: ctx.deps.databaseKind, latency_ms: Math.round((performance.now() - started) * 10) / 10 } }
  })
  // Readiness: the database answers, migrations ran, and the log subscription is reading.
  router.get('/ready', async (ctx) => {
    const checks = await ctx.deps.readiness()
    const ready = Object.values(checks).every(Boolean)
    ctx.status = ready ? 200 : 503
    ctx.body = ready ? { status: 'ready', checks } : { error: { code: 'unavailable', message: 'Not ready', details: checks }, request_id: ctx.state.requestId }
  })
  router.get('/metrics', async (ctx) => {
    const expected = ctx.deps.config.METRICS_TOKEN
    if (expected && !sameSecret(bearerToken(ctx.get('Authorization')) ?? '', expected)) throw new UnauthorizedError('A metrics token is required')
    ctx.type = ctx.deps.metrics.registry.contentType
    ctx.body = await ctx.deps.metrics.render()
  })
  return router
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
