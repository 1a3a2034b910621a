/**
 * Room commands over HTTP against the real service (its own process, started as production starts
 * it), each keep-alive connection pausing and resuming its own room, against raw single-row
 * INSERTs into a table of the events' shape (bench/lib-raw-insert.ts, as bench:append) at the same
 * concurrency, in alternating rounds of one run. Then N connections all on ONE room (problems
 * injected; on PostgreSQL split over two service processes, so appends conflict and are retried):
 * no 5xx, no 409 from our own retries, and the versions answered form a gapless stream. Beside each
 * HTTP figure: the CPU a command took in the service process and in a local PostgreSQL server
 * (from /proc, over the HTTP rounds), steadier from run to run than the rates themselves. Beside
 * the command p99 (the worst HTTP round's), the raw INSERT's worst round: the database's own tail,
 * which the commands' follows (a command commits too, after waiting for the statement in flight).
 *
 *   BENCH_DATABASE_URL / TEST_DATABASE_URL  PostgreSQL server to use (a scratch database is made on it); unset: embedded PGlite
 *   BENCH_FULL=1         longer runs (12 s measured per target and concurrency instead of 6)
 *   BENCH_DURATION       seconds measured per target and concurrency
 *   BENCH_WARMUP         seconds of warm-up per concurrency (default 2)
 *   BENCH_SERVICE_WARMUP_MAX_S  the longest the service is warmed before the first measurement (default 30; see warmService)
 *   BENCH_ROUNDS         alternating raw/HTTP rounds the measured time is split into (even; default 4)
 *   BENCH_CONNECTIONS    comma-separated concurrencies (default 1,8,32)
 *   BENCH_ONE_ROOM_S     seconds of the one-room load (default 5)
 */
import { randomUUID } from 'node:crypto'
import { cpus } from 'node:os'
import autocannon from 'autocannon'
import { benchUser, call } from './lib-api'
import { openBenchDatabase } from './lib-database'
import { createRawTable, load, rawOp, Tally, type Measurement } from './lib-raw-insert'
import { machineCpu, postgresCpu, startService, threadCpu, type BenchProcess } from './lib-sse-process'
import { fmt, round, sleep, summarize } from './lib-stats'
import { benchDatabaseUrl, envNumber, printResult } from './support'

const FULL = process.env.BENCH_FULL === '1'
const DURATION_S = envNumber('BENCH_DURATION', FULL ? 12 : 6)
const WARMUP_S = envNumber('BENCH_WARMUP', 2)
const ROUNDS = Math.max(2, 2 * Math.round(envNumber('BENCH_ROUNDS', 4) / 2))
const CONNECTIONS = (process.env.BENCH_CONNECTIONS || '1,8,32').split(',').map((c) => Number(c.trim()))
const ONE_ROOM_S = envNumber('BENCH_ONE_ROOM_S', 5)
const SERVICE_WARMUP_MAX_S = envNumber('BENCH_SERVICE_WARMUP_MAX_S', 30)
/** Background threads below this share of a core: V8 has compiled what the load made hot. */
const WARM_BACKGROUND_SHARE = 0.1
const TARGET_RATIO = 0.3
const TARGET_P99_MS = 50

const phases = [1, 2].map((sequence) => ({ sequence, question_id: `q${sequence}`, duration_minutes: 600, instructions: '' }))

interface HttpTally {
  requests: number
  seconds: number
  /**
   * CPU seconds used during the rounds: the service process, the local PostgreSQL server's
   * processes, this process (autocannon, the load generator), and the machine's idle cores.
   */
  serviceCpu: number
  postgresCpu: number
  clientCpu: number
  idleCpu: number
  /** Per round: autocannon's p50 and p99 (ms) and its request count. */
  rounds: { p50: number; p99: number; requests: number }[]
  statuses: Map<number, number>
  codes: Map<string, number>
}

const newHttpTally = (): HttpTally => ({ requests: 0, seconds: 0, serviceCpu: 0, postgresCpu: 0, clientCpu: 0, idleCpu: 0, rounds: [], statuses: new Map(), codes: new Map() })
const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1)

/** Notes every answer's status, and the error code of every non-2xx answer. */
function recorder(tally: HttpTally, onOk?: (body: string) => void) {
  return (status: number, body: string) => {
    bump(tally.statuses, status)
    if (status >= 200 && status < 300) return onOk?.(body)
    try {
      bump(tally.codes, `${status} ${(JSON.parse(body) as { error?: { code?: string } }).error?.code ?? '?'}`)
    } catch {
      bump(tally.codes, `${status} (not JSON)`)
    }
  }
}

/** `connections` keep-alive connections, connection i cycling through `requestsOf(i)`. */
async function loadHttp(url: string, token: string, connections: number, seconds: number, requestsOf: (i: number) => autocannon.Request[], tally: HttpTally): Promise<void> {
  let next = 0
  const started = performance.now()
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    setupClient: (client) => client.setRequests(requestsOf(next++)),
  })
  tally.seconds += (performance.now() - started) / 1000
  tally.requests += result.requests.total
  tally.rounds.push({ p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total })
  if (result.errors > 0) bump(tally.codes, `${result.errors} connection errors`)
}

/** Each connection's own room: pause, resume, pause … (every command appends one fact). */
const pauseResume = (tally: HttpTally, rooms: string[]) => (i: number) =>
  ['pause', 'resume'].map((verb) => ({ method: 'POST' as const, path: `/api/interview/${rooms[i]}/timer/${verb}`, onResponse: recorder(tally) }))

/** A room for each connection, started, and running (a round may have ended on a pause). */
async function ensureRunning(url: string, token: string, rooms: string[]): Promise<void> {
  await Promise.all(rooms.map((room) => fetch(`${url}/api/interview/${room}/timer/resume`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then((r) => r.text())))
}

async function openRooms(url: string, token: string, count: number, start: boolean): Promise<string[]> {
  const rooms = Array.from({ length: count }, () => `cmd-${randomUUID().slice(0, 12)}`)
  for (const room_id of rooms) {
    await call(url, 'POST', '/api/start-interview', { room_id, phases, title: 'bench' }, token)
    if (start) await call(url, 'POST', `/api/interview/${room_id}/timer/start`, undefined, token)
  }
  return rooms
}

/** CPU seconds this process (the load generator) has used so far. */
function ownCpu(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1e6
}

/** CPU seconds the service process has used so far, all its threads. */
function serviceCpu(service: BenchProcess): number {
  const { main, background } = threadCpu(service.pid)
  return main + background
}

/**
 * Commands at 8 connections in slices of 2 s until V8 has compiled what they made hot: until the
 * service's threads other than its main one (V8's compiler and GC helpers) use less than a tenth
 * of a core in a slice, or for SERVICE_WARMUP_MAX_S. On a 2-core machine the compiler threads
 * take a third of a core for the first 5-10 s of load (from the service and the database alike),
 * and the main thread runs unoptimised code meanwhile: measured then, the service would count at
 * 0.9-1.0 ms of CPU a command instead of its steady 0.6 ms (measured on PostgreSQL here).
 */
async function warmService(service: BenchProcess, token: string, rooms: string[]): Promise<void> {
  const started = performance.now()
  for (;;) {
    const before = threadCpu(service.pid).background
    const sliceStarted = performance.now()
    await loadHttp(service.url, token, Math.min(8, rooms.length), 2, pauseResume(newHttpTally(), rooms), newHttpTally())
    const share = (threadCpu(service.pid).background - before) / ((performance.now() - sliceStarted) / 1000)
    const elapsed = (performance.now() - started) / 1000
    if (share < WARM_BACKGROUND_SHARE || elapsed >= SERVICE_WARMUP_MAX_S) {
      console.log(`service warmed for ${elapsed.toFixed(0)} s: its background threads used ${(share * 100).toFixed(0)} % of a core in the last 2 s${share < WARM_BACKGROUND_SHARE ? '' : ` (still compiling: BENCH_SERVICE_WARMUP_MAX_S=${SERVICE_WARMUP_MAX_S} reached)`}`)
      return
    }
  }
}

const httpMeasurement = (t: HttpTally) => {
  const ok = [...t.statuses].filter(([s]) => s >= 200 && s < 300).reduce((n, [, c]) => n + c, 0)
  const p50 = t.rounds.reduce((n, r) => n + r.p50 * r.requests, 0) / Math.max(1, t.requests)
  return { perSecond: ok / t.seconds, ok, p50, p99: Math.max(...t.rounds.map((r) => r.p99)) }
}

const problemsOf = (t: HttpTally) => [...t.codes].map(([code, n]) => `${n} × ${code}`)

async function main(): Promise<void> {
  if (CONNECTIONS.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`BENCH_CONNECTIONS must list whole numbers ≥ 1, got ${process.env.BENCH_CONNECTIONS}`)
  // The raw table lives in the bench's scratch database; the service runs on the same one (on
  // PGlite, which serves one process, the service has its own in-memory database).
  const database = await openBenchDatabase(Math.max(...CONNECTIONS) + 2)
  const onPostgres = database.kind === 'postgres'
  const serviceDb = onPostgres ? database.url : undefined
  const services: BenchProcess[] = []
  try {
    const service = await startService(serviceDb)
    services.push(service)
    console.log(`service: pid ${service.pid} at ${service.url}; ${DURATION_S} s measured per target in ${ROUNDS} alternating rounds, ${WARMUP_S} s warm-up${benchDatabaseUrl() ? '' : ' (embedded: targets not judged)'}`)
    await createRawTable(database, 'raw_events')
    const token = await benchUser(service.url, 'cmd', Date.now().toString(36))
    const rooms = await openRooms(service.url, token, Math.max(...CONNECTIONS), true)
    await warmService(service, token, rooms)

    for (const connections of CONNECTIONS) {
      const mine = rooms.slice(0, connections)
      console.log(`\n${connections} connection(s): warming up …`)
      await load(connections, WARMUP_S, rawOp(database, `warm-${connections}`))
      await loadHttp(service.url, token, connections, WARMUP_S, pauseResume(newHttpTally(), mine), newHttpTally())
      const raw = new Tally()
      /** Per raw round, the p99 (ms): the database's own tail by the measure the HTTP p99 is judged on. */
      const rawRoundP99: number[] = []
      const http = newHttpTally()
      for (let r = 0; r < ROUNDS; r++) {
        const runRaw = async () => {
          const from = raw.latencies.length
          await load(connections, DURATION_S / ROUNDS, rawOp(database, `raw-${connections}-r${r}`), raw)
          rawRoundP99.push(summarize(raw.latencies.slice(from)).p99)
        }
        const runHttp = async () => {
          await sleep(300) // the last commands of the previous round are answered to nobody
          await ensureRunning(service.url, token, mine)
          const before = { service: serviceCpu(service), postgres: postgresCpu(), client: ownCpu(), idle: machineCpu().idle }
          await loadHttp(service.url, token, connections, DURATION_S / ROUNDS, pauseResume(http, mine), http)
          http.serviceCpu += serviceCpu(service) - before.service
          http.postgresCpu += postgresCpu() - before.postgres
          http.clientCpu += ownCpu() - before.client
          http.idleCpu += machineCpu().idle - before.idle
        }
        if (r % 2 === 0) await runRaw().then(runHttp)
        else await runHttp().then(runRaw)
      }
      const rawM: Measurement = raw.measurement()
      const rawWorstP99 = Math.round(Math.max(...rawRoundP99))
      const httpM = httpMeasurement(http)
      const ratio = httpM.perSecond / rawM.perSecond
      const problems = problemsOf(http)
      console.log(`${''.padEnd(34)}${'per s'.padStart(10)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'count'.padStart(10)}`)
      console.log(`${`raw INSERT (pg pool, ${connections}w)`.padEnd(34)}${fmt(rawM.perSecond).padStart(10)}${fmt(rawM.latency.p50, 2).padStart(10)}${fmt(rawM.latency.p99, 2).padStart(10)}${fmt(rawM.events).padStart(10)}`)
      console.log(`${`commands over HTTP (${connections}c)`.padEnd(34)}${fmt(httpM.perSecond).padStart(10)}${fmt(httpM.p50, 2).padStart(10)}${fmt(httpM.p99, 2).padStart(10)}${fmt(httpM.ok).padStart(10)}`)
      console.log(`  (HTTP p50: request-weighted mean of the rounds' p50; p99: the worst round's p99. Raw INSERT: over all its rounds; its worst round's p99 was ${rawWorstP99} ms)`)
      const perCommandMs = (seconds: number) => fmt((seconds * 1000) / Math.max(1, httpM.ok), 3)
      console.log(`  CPU a command: the service ${perCommandMs(http.serviceCpu)} ms${onPostgres ? `, PostgreSQL ${perCommandMs(http.postgresCpu)} ms (its processes on this machine; 0 for a remote server)` : ''}, the load generator ${perCommandMs(http.clientCpu)} ms; the machine's cores were idle ${fmt(http.idleCpu / http.seconds, 2)} of ${cpus().length} meanwhile`)
      if (problems.length) console.log(`PROBLEM: non-2xx answers: ${problems.join(', ')}`)
      const judged = onPostgres && connections >= 8
      const met = judged ? ratio >= TARGET_RATIO && problems.length === 0 : null
      console.log(`ratio HTTP/raw: ${(ratio * 100).toFixed(1)}%${judged ? ` — target ≥ ${TARGET_RATIO * 100}%: ${met ? 'met' : 'NOT met'}` : ''}`)
      printResult({ figure: `room commands over HTTP vs raw INSERT, ${connections} connection(s) (${database.label})`, value: Math.round(httpM.perSecond), unit: 'commands/s', baseline: Math.round(rawM.perSecond), ratio: round(ratio), target: connections >= 8 ? TARGET_RATIO : null, met })
      if (connections === 32) {
        const p99met = onPostgres ? httpM.p99 <= TARGET_P99_MS && problems.length === 0 : null
        // Beside it, the raw INSERT's worst round: the database's own tail, which the commands' follows.
        console.log(`p99 at 32 connections: ${httpM.p99} ms — target ≤ ${TARGET_P99_MS} ms${onPostgres ? `: ${p99met ? 'met' : 'NOT met'}` : ' (not judged on the embedded database)'}; a raw single-row INSERT's, worst round: ${rawWorstP99} ms`)
        printResult({ figure: `room command p99 over HTTP, 32 connections (${database.label})`, value: httpM.p99, unit: 'ms', baseline: rawWorstP99, ratio: null, target: TARGET_P99_MS, met: p99met })
      }
    }

    await oneRoom(services, serviceDb, token, onPostgres, database.label)
  } finally {
    await Promise.all(services.map((s) => s.kill()))
    await database.dispose()
  }
}

/**
 * 32 connections injecting problems into one room. On PostgreSQL half of them go to a second
 * service process, so the two append at the same version and the runtime's retry is exercised.
 */
async function oneRoom(services: BenchProcess[], serviceDb: string | undefined, token: string, onPostgres: boolean, label: string): Promise<void> {
  if (onPostgres) services.push(await startService(serviceDb))
  const [room] = await openRooms(services[0]!.url, token, 1, true)
  const versions: number[] = []
  const tally = newHttpTally()
  const body = JSON.stringify({ room_id: room, problem_text: 'Reverse a linked list.', problem_type: 'coding', difficulty: 'easy' })
  const requests = () => [{ method: 'POST' as const, path: '/api/inject-problem', body, onResponse: recorder(tally, (text) => versions.push((JSON.parse(text) as { version: number }).version)) }]
  const per = Math.ceil(32 / services.length)
  console.log(`\none room, 32 connections over ${services.length} service process(es), ${ONE_ROOM_S} s …`)
  await Promise.all(services.map((s) => loadHttp(s.url, token, per, ONE_ROOM_S, requests, tally)))
  await sleep(500) // commands still in flight when the load stopped are answered to nobody
  const history = await call<{ events: { version: number; type: string }[] }>(services[0]!.url, 'GET', `/api/interview/${room}/history?limit=10000`, undefined, token)
  const stored = history.events.map((e) => e.version)
  const status = { version: stored.length }
  // The stream holds 1 … head with no gap, every answered version once, each of them a problem.
  const answered = new Set(versions)
  const problemAt = new Set(history.events.filter((e) => e.type === 'problem_injected').map((e) => e.version))
  const gapless = stored.every((v, i) => v === i + 1) && answered.size === versions.length && versions.every((v) => problemAt.has(v))
  const fiveXX = [...tally.statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0)
  const ourConflicts = tally.codes.get('409 concurrency_conflict') ?? 0
  const problems = problemsOf(tally)
  const perSecond = versions.length / (tally.seconds / services.length)
  console.log(`one room: ${fmt(versions.length)} commands answered 2xx (${fmt(perSecond)}/s), stream at version ${status.version}, ${gapless ? 'gapless' : 'NOT gapless'}; 5xx: ${fiveXX}; 409 from our retries: ${ourConflicts}`)
  console.log(`  latency p99 per process: ${tally.rounds.map((r) => `${r.p99} ms`).join(', ')}`)
  if (problems.length) console.log(`PROBLEM: non-2xx answers: ${problems.join(', ')}`)
  const met = fiveXX === 0 && ourConflicts === 0 && gapless && problems.length === 0
  printResult({ figure: `one room, 32 connections: no 5xx, no retry 409, gapless (${label}, ${services.length} process(es))`, value: Math.round(perSecond), unit: 'commands/s', baseline: null, ratio: null, target: null, met })
  if (!met) process.exitCode = 1
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
