/**
 * Events/s through appendToStream (one event per transaction, each writer appending sequential
 * versions to its own stream) against pgbench-style raw single-row INSERTs into a table of the
 * same shape, at the same concurrency for the same time, in the same run and the same pg pool,
 * in alternating rounds.
 * Where pgbench is on the PATH (and the database is PostgreSQL) it also loads the raw table
 * itself, as a reference for what a C client reaches on this machine.
 *
 *   BENCH_DATABASE_URL / TEST_DATABASE_URL  PostgreSQL server to use (a scratch database is made on it); unset: embedded PGlite
 *   BENCH_FULL=1         longer runs (15 s measured + 3 s warm-up per target)
 *   BENCH_DURATION       seconds measured per target and concurrency (default 5, full 15)
 *   BENCH_WARMUP         seconds of warm-up per target and concurrency, not counted (default 1, full 3)
 *   BENCH_ROUNDS         alternating raw/store rounds the measured time is split into (even; default 4, full 6)
 *   BENCH_WRITERS        comma-separated concurrencies (default 1,8,32)
 *   BENCH_PGBENCH=0      skip the pgbench reference
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { appendToStream } from '../src/event-store'
import { openBenchDatabase, type BenchDatabase } from './lib-database'
import { createRawTable, EVENT, load, rawOp, Tally, type Measurement } from './lib-raw-insert'
import { fmt, round } from './lib-stats'
import { envNumber, printResult } from './support'

const FULL = process.env.BENCH_FULL === '1'
const DURATION_S = envNumber('BENCH_DURATION', FULL ? 15 : 5)
const WARMUP_S = envNumber('BENCH_WARMUP', FULL ? 3 : 1)
const WRITERS = (process.env.BENCH_WRITERS || '1,8,32').split(',').map((w) => Number(w.trim()))
const ROUNDS = Math.max(2, 2 * Math.round(envNumber('BENCH_ROUNDS', FULL ? 6 : 4) / 2))
const TARGET_RATIO = 0.7

/**
 * Raw and store in alternating rounds (raw, store, store, raw …), so load from anything else on
 * the machine, and the tables growing, weigh on both alike.
 */
async function compare(database: BenchDatabase, writers: number): Promise<{ raw: Measurement; store: Measurement }> {
  const raw = new Tally()
  const store = new Tally()
  for (let round = 0; round < ROUNDS; round++) {
    const runRaw = () => load(writers, DURATION_S / ROUNDS, rawOp(database, `raw-${writers}-r${round}`), raw)
    const runStore = () => load(writers, DURATION_S / ROUNDS, appendOp(database, `store-${writers}-r${round}`), store)
    if (round % 2 === 0) await runRaw().then(runStore)
    else await runStore().then(runRaw)
  }
  return { raw: raw.measurement(), store: store.measurement() }
}

function appendOp(database: BenchDatabase, run: string) {
  return (writer: number, n: number) => appendToStream(database.db, `bench-${run}-${writer}`, n - 1, [EVENT])
}

/** Runs pgbench against the raw table when it is installed; undefined otherwise. */
function pgbench(url: string, writers: number, seconds: number, scriptDir: string): number | undefined {
  const script = join(scriptDir, 'insert.sql')
  const literal = (value: unknown) => `'${JSON.stringify(value).replaceAll("'", "''")}'`
  writeFileSync(
    script,
    `\\set n random(1, 9000000000000000000)\n` +
      `insert into raw_events_pgbench (stream_id, stream_position, type, data, metadata) values ('pgbench-' || :client_id || '-' || :n, 1, '${EVENT.type}', ${literal(EVENT.data)}, ${literal(EVENT.metadata)});\n`,
  )
  const args = ['-n', '-c', String(writers), '-j', String(Math.min(writers, 2)), '-T', String(Math.max(1, Math.round(seconds))), '-f', script, url]
  const result = spawnSync('pgbench', args, { encoding: 'utf8' })
  if (result.error || result.status !== 0) {
    if (!result.error) console.log(`  pgbench failed (exit ${result.status}): ${result.stderr.trim().split('\n').slice(-2).join(' ')}`)
    return undefined
  }
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(result.stdout)
  return tps ? Number(tps[1]) : undefined
}

function pgbenchAvailable(): boolean {
  if (process.env.BENCH_PGBENCH === '0') return false
  const probe = spawnSync('pgbench', ['--version'], { encoding: 'utf8' })
  return !probe.error && probe.status === 0
}

const row = (name: string, m: Measurement) =>
  `${name.padEnd(36)}${fmt(m.perSecond).padStart(10)}${fmt(m.latency.p50, 2).padStart(10)}${fmt(m.latency.p99, 2).padStart(10)}${fmt(m.events).padStart(10)}`

async function main(): Promise<void> {
  if (WRITERS.some((w) => !Number.isInteger(w) || w < 1)) throw new Error(`BENCH_WRITERS must list whole numbers ≥ 1, got ${process.env.BENCH_WRITERS}`)
  const database = await openBenchDatabase(Math.max(...WRITERS) + 2)
  const onPostgres = database.kind === 'postgres'
  const withPgbench = onPostgres && pgbenchAvailable()
  const scriptDir = mkdtempSync(join(tmpdir(), 'bench-append-'))
  console.log(`load: ${WRITERS.join(' / ')} writers, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per target${FULL ? ' (BENCH_FULL)' : ''}`)
  try {
    await createRawTable(database, 'raw_events')
    if (withPgbench) await createRawTable(database, 'raw_events_pgbench')
    for (const writers of WRITERS) {
      console.log(`\n${writers} writer(s): warming up …`)
      await load(writers, WARMUP_S, rawOp(database, `warm-raw-${writers}`))
      await load(writers, WARMUP_S, appendOp(database, `warm-store-${writers}`))
      console.log(`${writers} writer(s): measuring raw INSERT and appendToStream in ${ROUNDS} alternating rounds …`)
      const { raw, store } = await compare(database, writers)
      const reference = withPgbench ? pgbench(database.url, writers, DURATION_S, scriptDir) : undefined

      const ratio = store.perSecond / raw.perSecond
      const met = onPostgres ? ratio >= TARGET_RATIO : null
      console.log(`\n${''.padEnd(36)}${'events/s'.padStart(10)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'events'.padStart(10)}`)
      console.log(row(`raw INSERT (pg pool, ${writers}w)`, raw))
      console.log(row(`appendToStream (${writers}w)`, store))
      if (reference !== undefined) console.log(`${`pgbench raw INSERT (C client, ${writers}w)`.padEnd(36)}${fmt(reference).padStart(10)}`)
      const verdict = met === null ? 'not applicable on the embedded database' : met ? 'met' : 'NOT met'
      console.log(`ratio store/raw: ${(ratio * 100).toFixed(1)}% — target ≥ ${TARGET_RATIO * 100}% on PostgreSQL: ${verdict}`)
      if (reference !== undefined) console.log(`ratio store/pgbench: ${((store.perSecond / reference) * 100).toFixed(1)}% (reference only)`)

      printResult({
        figure: `appendToStream vs raw INSERT, ${writers} writer(s) (${database.label})`,
        value: Math.round(store.perSecond),
        unit: 'events/s',
        baseline: Math.round(raw.perSecond),
        ratio: round(ratio),
        target: TARGET_RATIO,
        met,
      })
      if (reference !== undefined) {
        printResult({
          figure: `appendToStream vs pgbench (C client), ${writers} writer(s), reference`,
          value: Math.round(store.perSecond),
          unit: 'events/s',
          baseline: Math.round(reference),
          ratio: round(store.perSecond / reference),
          target: null,
          met: null,
        })
      }
    }
  } finally {
    rmSync(scriptDir, { recursive: true, force: true })
    await database.dispose()
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
