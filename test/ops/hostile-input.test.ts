import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import type { Config } from '../../config'
import type { Db } from '../../src/db/database'
import { signToken } from '../../src/auth/token'
import { startService, type RunningService } from '../../src/service'
import { testConfig } from '../support/context'
import { createScratchDatabase, realPostgresUrl } from '../support/database'
import { api, newUser, type TestUser } from '../support/http'
import { rawRequest } from '../support/hostile'
import { hostileCases, type Fixtures, type HostileCase } from '../support/hostile-cases'
import { seededRandom } from '../support/random'
import { sleep } from '../support/runtime'

/** Set HOSTILE_SEED to replay a failing run; the seed is printed with every failure. */
const SEED = Number(process.env.HOSTILE_SEED) || 20_240_611
/** Cases per route (HOSTILE_PER_ROUTE=1000 runs every generated case). */
const PER_ROUTE = Number(process.env.HOSTILE_PER_ROUTE) || 12

/** A fingerprint of every row of every table: any insert, update or delete changes it. */
async function fingerprint(db: Db): Promise<Record<string, string>> {
  const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`.execute(db)
  const prints: Record<string, string> = {}
  for (const { name } of tables.rows) {
    const { rows } = await sql<{ n: number; h: string }>`select count(*)::int as n, coalesce(md5(string_agg(t::text, '|' order by t::text)), '') as h from ${sql.table(name)} t`.execute(db)
    prints[name] = `${rows[0]!.n} rows, ${rows[0]!.h}`
  }
  return prints
}

/** The fingerprint once background work (async projections of the seed data) has stopped changing it. */
async function settledFingerprint(db: Db): Promise<Record<string, string>> {
  let last = await fingerprint(db)
  for (let i = 0; i < 50; i++) {
    await sleep(300)
    const now = await fingerprint(db)
    if (JSON.stringify(now) === JSON.stringify(last)) return now
    last = now
  }
  throw new Error('the database never settled')
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Authorization headers that must all be refused: garbage, unsigned, wrongly signed, expired, tampered, narrowed, other schemes. */
async function badAuthorizations(config: Config, user: TestUser, roomId: string): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000)
  const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: user.id, jti: randomUUID(), iat: now, exp: now + 600, iss: config.JWT_ISSUER, aud: config.JWT_AUDIENCE })}.`
  const otherKey = await signToken({ ...config, JWT_SECRET_KEY: 'a-different-secret-of-at-least-32-bytes' }, user.id, new Date())
  const expired = await signToken(config, user.id, new Date(Date.now() - 3_600_000), { ttlSeconds: 60 })
  const stream = await signToken(config, user.id, new Date(), { extra: { scope: 'stream', room_id: roomId } })
  return [
    'Bearer garbage',
    `Bearer ${'a'.repeat(10_000)}`,
    `Bearer ${unsigned}`,
    `Bearer ${otherKey.token}`,
    `Bearer ${expired.token}`,
    `Bearer ${stream.token}`,
    `Bearer ${user.token.slice(0, -2)}xx`,
    'Basic dXNlcjpwYXNzd29yZA==',
    'Bearer ../../etc/passwd',
  ]
}

async function inPool<T>(items: T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await run(items[next++]!)
  }))
}

describe('hostile input on every route of the OpenAPI document', function () {
  this.timeout(120_000)
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined
  let service: RunningService
  let fixtures: Fixtures

  // A database of its own: nothing else writes to it, so any change is the hostile run's doing.
  before(async () => {
    scratch = realPostgresUrl ? await createScratchDatabase(realPostgresUrl) : undefined
    const config = testConfig(scratch ? { DATABASE_URL: scratch.url } : { DATABASE_URL: '', PGLITE_DATA_DIR: 'memory://' })
    service = await startService(config)
    const user = await newUser('hostile', service.url)
    const as = { baseUrl: service.url, token: user.token }
    const product = { name: 'Widget', description: 'plain', price: 19.99, category: 'tools', stock: 3 }
    const phases = [{ sequence: 1, question_id: 'q1', question_type: 'coding', question_text: 'Reverse a list', duration_minutes: 5, instructions: 'be kind' }]
    const productId = (await api('POST', '/api/v1/products/', { ...as, body: product })).body.id
    const planId = (await api('POST', '/api/v1/mock-interviews/', { ...as, body: { title: 'Plan', phases } })).body.id
    const roomId = `hostile-${randomUUID().slice(0, 8)}`
    expect((await api('POST', '/api/start-interview', { ...as, body: { room_id: roomId, phases } })).status).to.equal(201)
    const valid: Record<string, Record<string, unknown>> = {
      'POST /api/v1/auth/register': { email: 'someone-new@example.com', username: 'someone_new', password: 'correct horse battery' },
      'POST /api/v1/auth/login': { email: user.email, password: user.password },
      'POST /api/v1/products': product,
      'PUT /api/v1/products/{id}': product,
      'PATCH /api/v1/products/{id}': { name: 'Renamed', stock: 4 },
      'POST /api/v1/mock-interviews': { title: 'Another plan', phases },
      'PUT /api/v1/mock-interviews/{id}': { title: 'Replaced plan', phases },
      'PATCH /api/v1/mock-interviews/{id}': { title: 'Renamed plan', phases },
      'POST /api/start-interview': { room_id: `never-${randomUUID().slice(0, 8)}`, phases, title: 'New room', warning_fraction: 0.5 },
      'POST /api/interview/{room_id}/timer/reset': { scope: 'interview' },
      'POST /api/inject-problem': { room_id: roomId, problem_text: 'Two sum', problem_type: 'coding', difficulty: 'easy' },
      'POST /api/inject-custom-context': { room_id: roomId, context_text: 'The candidate is nervous', context_type: 'note' },
    }
    const existing: Record<string, string> = { room_id: roomId, category: 'tools' }
    fixtures = {
      token: user.token,
      badAuthorizations: await badAuthorizations(config, user, roomId),
      existing: (param, path) => (param === 'id' ? (path.includes('/products/') ? productId : planId) : (existing[param] ?? 'x')),
      validBody: (route) => valid[route],
    }
  })

  after(async () => {
    await service?.close()
    await scratch?.drop()
  })

  it(`answers only 4xx (a read of something odd but well-formed: anything but 5xx), writes no row and stays healthy (seed ${SEED})`, async () => {
    const doc = (await api('GET', '/openapi.json', { baseUrl: service.url })).body
    const cases: HostileCase[] = [
      ...hostileCases(doc, fixtures, seededRandom(SEED).next, PER_ROUTE),
      // Routes outside the document: static files by name, and a request head too large to parse.
      ...['..%2F..%2F..%2Fpackage.json', '..%2Fswagger-ui.css', '%2e%2e%2f%2e%2e%2fpackage.json', 'swagger-ui.css%00.js', '%00'].map((file) => ({ route: 'GET /docs/assets/{file}', label: `file ${file}`, method: 'GET', path: `/docs/assets/${file}`, headers: {}, expect: '4xx' as const })),
      { route: 'GET /api/v1/products', label: '40 kB query string', method: 'GET', path: `/api/v1/products?name=${'x'.repeat(40_000)}`, headers: { authorization: `Bearer ${fixtures.token}` }, expect: '4xx' },
    ]
    const routes = new Set(Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods as object).map((m) => `${m.toUpperCase()} ${path}`)))
    expect(new Set(cases.map((c) => c.route))).to.include.all.keys([...routes])
    expect(cases.length, 'a bounded run').to.be.within(200, PER_ROUTE === 12 ? 900 : 20_000)

    const db = service.database.db
    const before = await settledFingerprint(db)
    const failures: string[] = []
    await inPool(cases, 4, async (c) => {
      const where = `${c.label} → ${c.method} ${c.path.slice(0, 120)}`
      try {
        const reply = await rawRequest(`${service.url}${c.path}`, c.method, c.headers, c.body)
        const ok = c.expect === '4xx' ? reply.status >= 400 && reply.status < 500 : reply.status < 500
        if (!ok) failures.push(`${where}: ${reply.status} (expected ${c.expect}) ${reply.text.slice(0, 200)}`)
      } catch (error) {
        failures.push(`${where}: ${(error as Error).message}`)
      }
    })
    expect(failures, `HOSTILE_SEED=${SEED}, ${failures.length} of ${cases.length} cases:\n${failures.join('\n')}`).to.deep.equal([])

    // A valid token refused after the run would mean some case revoked it and the rest proved nothing.
    expect((await api('GET', '/api/v1/auth/me', { baseUrl: service.url, token: fixtures.token })).status, 'the token still works').to.equal(200)
    expect((await api('GET', '/health', { baseUrl: service.url })).status).to.equal(200)
    expect((await api('GET', '/ready', { baseUrl: service.url })).status).to.equal(200)
    expect(await fingerprint(db), 'no row written, changed or deleted').to.deep.equal(before)
  })
})
