/**
 * GET /api/v1/products/{id} on the real service (auth, token check, product query) against a bare
 * Koa handler returning the same JSON, both in this process, loaded the same way in the same run.
 * For reference it also loads the bare handler with the endpoint's SQL round trips added (raw pg,
 * prepared; one, then both): the most any handler making those round trips reaches here.
 *
 *   BENCH_DATABASE_URL / TEST_DATABASE_URL  PostgreSQL server to use (a scratch database is made on it); unset: embedded PGlite
 *   BENCH_DURATION     seconds measured per target (default 10)
 *   BENCH_WARMUP       seconds of warm-up per target, not counted (default 3)
 *   BENCH_CONNECTIONS  concurrent keep-alive connections (default 10)
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import autocannon from 'autocannon'
import type pg from 'pg'
import { loadConfig } from '../config'
import { startService, type RunningService } from '../src/service'
import { benchUser, call } from './lib-api'
import { benchDatabaseUrl, createScratchDatabase, envNumber, printResult, redactUrl } from './support'

const DURATION_S = envNumber('BENCH_DURATION', 10)
const WARMUP_S = envNumber('BENCH_WARMUP', 3)
const CONNECTIONS = Math.round(envNumber('BENCH_CONNECTIONS', 10))
const TARGET_RATIO = 0.4

interface Measurement {
  rps: number
  p50: number
  p99: number
  requests: number
}

/**
 * Loads one URL. The load generator runs in a worker thread so it does not take event-loop time
 * from the servers it measures, which share this process's main thread.
 */
async function load(url: string, seconds: number, headers: Record<string, string> = {}): Promise<Measurement> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, headers, workers: 1 })
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx responses and ${result.errors} errors out of ${result.requests.total} requests`)
  }
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total }
}

/**
 * The real endpoint's SQL round trips (token check, product read) sent with raw pg as prepared
 * statements: `rounds` of them per request, no framework, no validation. The ceiling a handler
 * that makes those round trips can reach on this machine, whatever it is written in.
 */
function rawRoundTrips(pool: pg.Pool, token: string, productId: string, rounds: 1 | 2): () => Promise<unknown> {
  const { sub, jti } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; jti: string }
  const user = { name: 'bench_user_for_token', text: 'select * from users where id = $1 and not exists (select 1 from revoked_tokens where jti = $2)', values: [sub, jti] }
  const product = { name: 'bench_product_by_id', text: 'select * from products where id = $1', values: [productId] }
  return rounds === 1 ? () => pool.query(product) : async () => [await pool.query(user), await pool.query(product)]
}

/** A user, their token and one product: what the measured request needs. */
async function seed(service: RunningService): Promise<{ token: string; productId: string; product: unknown }> {
  const token = await benchUser(service.url, 'bench', Date.now().toString(36))
  const created = await call<{ id: string }>(service.url, 'POST', '/api/v1/products/', { name: 'Bench widget', description: 'A product to read', price: '19.99', category: 'bench', stock: 7 }, token)
  const product = await call(service.url, 'GET', `/api/v1/products/${created.id}`, undefined, token)
  return { token, productId: created.id, product }
}

/** A bare Koa handler answering `body`, after `work` (the reference handlers' database round trips). */
async function startBareHandler(body: unknown, work: () => Promise<unknown> = async () => {}): Promise<{ url: string; server: Server }> {
  const app = new Koa()
  app.use(async (ctx) => {
    await work()
    ctx.body = body
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server }
}

// autocannon records latency in whole milliseconds, so a sub-millisecond answer reads as 0.
const ms = (value: number): string => (value === 0 ? '<1' : String(value))

function row(name: string, m: Measurement): string {
  return `${name.padEnd(44)}${m.rps.toFixed(0).padStart(10)}${ms(m.p50).padStart(10)}${ms(m.p99).padStart(10)}${String(m.requests).padStart(12)}`
}

async function main(): Promise<void> {
  const baseUrl = benchDatabaseUrl()
  const scratch = baseUrl ? await createScratchDatabase(baseUrl) : undefined
  const databaseName = scratch ? 'PostgreSQL' : 'embedded PGlite'
  console.log(`database: ${scratch ? `PostgreSQL at ${redactUrl(baseUrl!)} (scratch database, dropped afterwards)` : 'embedded PGlite, in memory (set BENCH_DATABASE_URL for PostgreSQL)'}`)
  console.log(`load: ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per target`)

  const config = loadConfig(
    { ...process.env, ENV: 'local' },
    { ENV: 'local', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'fatal', ...(scratch ? { DATABASE_URL: scratch.url } : { DATABASE_URL: '', PGLITE_DATA_DIR: 'memory://' }) },
  )
  const service = await startService(config)
  const servers: Server[] = []
  try {
    const { token, productId, product } = await seed(service)
    const bareHandler = await startBareHandler(product)
    const oneTrip = await startBareHandler(product, rawRoundTrips(service.database.pool, token, productId, 1))
    const twoTrips = await startBareHandler(product, rawRoundTrips(service.database.pool, token, productId, 2))
    servers.push(bareHandler.server, oneTrip.server, twoTrips.server)
    const realUrl = `${service.url}/api/v1/products/${productId}`
    const auth = { authorization: `Bearer ${token}` }

    console.log('warming up …')
    await load(realUrl, WARMUP_S, auth)
    await load(bareHandler.url, WARMUP_S)
    console.log('measuring the bare handler …')
    const baseline = await load(bareHandler.url, DURATION_S)
    console.log('measuring the real endpoint …')
    const real = await load(realUrl, DURATION_S, auth)
    console.log('measuring the references: bare handler + 1 and + 2 raw pg round trips …')
    const references = [
      { name: 'bare + 1 raw pg round trip', m: await load(oneTrip.url, DURATION_S) },
      { name: 'bare + 2 raw pg round trips', m: await load(twoTrips.url, DURATION_S) },
    ]

    const ratio = real.rps / baseline.rps
    // The target is set for real PostgreSQL; the embedded database serves one query at a time.
    const met = scratch ? ratio >= TARGET_RATIO : null
    console.log(`\n${''.padEnd(44)}${'req/s'.padStart(10)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'requests'.padStart(12)}`)
    console.log(row('bare Koa handler', baseline))
    console.log(row('GET /api/v1/products/{id}', real))
    for (const r of references) console.log(row(`  reference: ${r.name}`, r.m))
    const verdict = met === null ? 'not applicable on the embedded database' : met ? 'met' : 'NOT met'
    console.log(`\nratio real/bare: ${(ratio * 100).toFixed(1)}% — target ≥ ${TARGET_RATIO * 100}% on PostgreSQL: ${verdict}\n`)
    printResult({
      figure: `GET /api/v1/products/{id} vs bare Koa (${databaseName})`,
      value: Math.round(real.rps),
      unit: 'req/s',
      baseline: Math.round(baseline.rps),
      ratio: Math.round(ratio * 1000) / 1000,
      target: TARGET_RATIO,
      met,
    })
    // For reference: what the same handler reaches with the database round trips and nothing else.
    for (const r of references) {
      printResult({ figure: `${r.name} vs bare Koa, reference (${databaseName})`, value: Math.round(r.m.rps), unit: 'req/s', baseline: Math.round(baseline.rps), ratio: Math.round((r.m.rps / baseline.rps) * 1000) / 1000, target: null, met: null })
    }
  } finally {
    for (const server of servers) {
      server.closeAllConnections()
      server.close()
    }
    await service.close()
    await scratch?.drop()
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
