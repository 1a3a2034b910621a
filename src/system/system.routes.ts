import Router from '@koa/router'
import { sql } from 'kysely'
import { UnavailableError } from '../http/errors'

/** `GET /` (what this is and where to go) and `GET /health` (the database answers, or 503). */
export function systemRouter(info: { name: string; version: string }): Router {
  const router = new Router()
  router.get('/', (ctx) => {
    ctx.body = {
      name: info.name,
      version: info.version,
      links: { docs: '/docs', openapi: '/openapi.json', health: '/health', auth: '/api/v1/auth', products: '/api/v1/products' },
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
  return router
}
