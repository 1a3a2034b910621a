/**
 * Replaying a long room: a 100,000-event history is generated with the pure machine (`decide`,
 * simulated time) and bulk-inserted with a snapshot every K events, as the runtime would have
 * left it. Then, in the same run:
 *   - the full replay through replayRoom (paged read, zod parse, fold through the machine) beside
 *     the machine alone folding the same facts from memory (the floor), in paired rounds, with
 *     the read and read + parse steps timed alone to show where the time goes;
 *   - memory: RSS and heap high-water (sampled) of a replay of the first tenth and of the whole
 *     history, each in a fresh process, and the heap it retains: bounded by the page, not the history;
 *   - snapshotAt(version N) for N across the history, checked against the fold from memory.
 *
 *   BENCH_DATABASE_URL / TEST_DATABASE_URL  PostgreSQL server to use (a scratch database is made on it); unset: embedded PGlite
 *   BENCH_REPLAY_EVENTS    events in the history (default 100,000)
 *   BENCH_SNAPSHOT_EVERY   K, versions between stored snapshots (default 100, the service's SNAPSHOT_EVERY default)
 *   BENCH_ROUNDS           timed rounds of floor and replay; the round with the median ratio is reported (default 5, BENCH_FULL=1: 9)
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { sql } from 'kysely'
import { openDatabase } from '../src/db/connection'
import type { Db } from '../src/db/database'
import { readStreamFacts, type StreamFact } from '../src/event-store'
import { replayRoom, snapshotAt } from '../src/rooms/replay'
import { factOf, roomStream } from '../src/rooms/room-facts.schema'
import { applyFact, foldFacts, initialRoomSnapshot, persistSnapshot, type RoomFact, type RoomSnapshot } from '../machines/interview-room'
import { insertScratchUser } from '../src/db/scratch'
import { openBenchDatabase, type BenchDatabase } from './lib-database'
import { roomHistory, storeRoomHistory } from './lib-replay-history'
import { describeMemory, liveHeap, peakMemory, type MemoryPeak } from './lib-memory'
import { fmt, MB, round, summarize } from './lib-stats'
import { envNumber, printResult } from './support'

const FULL = process.env.BENCH_FULL === '1'
const EVENTS = Math.round(envNumber('BENCH_REPLAY_EVENTS', 100_000))
const SNAPSHOT_EVERY = Math.round(envNumber('BENCH_SNAPSHOT_EVERY', 100))
const ROUNDS = Math.round(envNumber('BENCH_ROUNDS', FULL ? 9 : 5))
/** replayRoom's page size (src/rooms/replay.ts), passed explicitly so the figure names it. */
const PAGE_SIZE = 1_000
const TARGET_RATIO = 0.6
const TARGET_POINT_MS = 50
const POINTS = 20

const MEMORY_PREFIX = 'REPLAY_MEMORY '

interface ReplayMemory extends MemoryPeak {
  /** The most heap still in use after a collection, sampled every ten pages of a second replay. */
  liveHeap: number
}

/**
 * Replays up to `toVersion` twice: once left alone, sampling the RSS and heap high-water once per
 * page (the fold runs between awaits); once collecting every ten pages, to see what it retains.
 */
async function replayMemory(db: Db, roomId: string, toVersion: number): Promise<ReplayMemory> {
  const { memory } = await peakMemory((sample) =>
    replayRoom(db, roomId, (event) => event.stream_position % PAGE_SIZE === 0 && sample(), { toVersion, pageSize: PAGE_SIZE }),
  )
  let live = liveHeap()
  await replayRoom(db, roomId, (event) => event.stream_position % (10 * PAGE_SIZE) === 0 && (live = Math.max(live, liveHeap())), { toVersion, pageSize: PAGE_SIZE })
  return { ...memory, liveHeap: Math.max(live, liveHeap()) }
}

/**
 * The memory a replay takes, measured in a fresh process so nothing this one did before (the
 * generation, the heap it grew) hides or inflates it. The embedded database is this process's
 * alone, so there it is measured here.
 */
async function measureReplayMemory(database: BenchDatabase, roomId: string, toVersion: number): Promise<ReplayMemory> {
  if (database.kind !== 'postgres') return replayMemory(database.db, roomId, toVersion)
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--replay-memory'], {
    env: { ...process.env, REPLAY_MEMORY_URL: database.url, REPLAY_MEMORY_ROOM: roomId, REPLAY_MEMORY_TO: String(toVersion) },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve))
  const line = output.split('\n').find((l) => l.startsWith(MEMORY_PREFIX))
  if (code !== 0 || !line) throw new Error(`the memory measurement process failed (exit ${code}): ${output}`)
  return JSON.parse(line.slice(MEMORY_PREFIX.length)) as ReplayMemory
}

/** The child side of measureReplayMemory. */
async function replayMemoryChild(): Promise<void> {
  const env = (name: string) => process.env[name] ?? ''
  const database = await openDatabase({ DATABASE_URL: env('REPLAY_MEMORY_URL'), DATABASE_POOL_SIZE: 1, DATABASE_TIMEOUT_MS: 60_000, PGLITE_DATA_DIR: 'memory://' })
  try {
    // Connected and the statement path warmed before the baseline is taken.
    await readStreamFacts(database.db, roomStream(env('REPLAY_MEMORY_ROOM')), { limit: 1 })
    console.log(`${MEMORY_PREFIX}${JSON.stringify(await replayMemory(database.db, env('REPLAY_MEMORY_ROOM'), Number(env('REPLAY_MEMORY_TO'))))}`)
  } finally {
    await database.close()
  }
}

/** Reads the stream page by page as replayRoom does, handing each stored event to `visit`. */
async function readPages(db: Db, roomId: string, visit: (event: StreamFact) => void): Promise<void> {
  for (let from = 1; ; ) {
    const page = await readStreamFacts(db, roomStream(roomId), { fromVersion: from, limit: PAGE_SIZE })
    for (const event of page) visit(event)
    if (page.length < PAGE_SIZE) return
    from = page[page.length - 1]!.stream_position + 1
  }
}

async function eventsPerSecond(run: () => Promise<unknown> | unknown, events: number): Promise<number> {
  const started = performance.now()
  await run()
  return events / ((performance.now() - started) / 1000)
}

// Through jsonb, object keys come back in another order: compare values, not JSON text.
const sameState = (a: RoomSnapshot, b: RoomSnapshot) => isDeepStrictEqual(persistSnapshot(a), persistSnapshot(b))

/** Versions to look up: the edges around stored snapshots, the ends, and a spread in between. */
function pointVersions(total: number): number[] {
  const edges = [1, SNAPSHOT_EVERY - 1, SNAPSHOT_EVERY, SNAPSHOT_EVERY + 1, Math.floor(total / 2), total - 1, total]
  const spread = Array.from({ length: POINTS - edges.length }, (_, i) => Math.max(1, Math.round(((i + 0.5) / (POINTS - edges.length)) * total) - (i % SNAPSHOT_EVERY)))
  return [...new Set([...edges, ...spread].filter((v) => v >= 1 && v <= total))].sort((a, b) => a - b)
}

interface Round {
  floor: number
  replay: number
  read: number
  parse: number
}

/**
 * Rounds of: the machine folding the facts from memory, replayRoom, and the read and read + parse
 * steps alone. Floor and replay run back to back in each round, so the pair shares whatever else
 * loads the machine; the round with the median replay/floor ratio is the one reported.
 */
async function throughputRounds(db: Db, roomId: string, facts: RoomFact[], expected: RoomSnapshot): Promise<{ rounds: Round[]; median: Round }> {
  const rounds: Round[] = []
  const nothing = () => {}
  for (let r = 1; r <= ROUNDS; r++) {
    let folded = initialRoomSnapshot()
    let replayed = initialRoomSnapshot()
    const floor = await eventsPerSecond(() => (folded = foldFacts(facts)), facts.length)
    const replay = await eventsPerSecond(async () => (replayed = await replayRoom(db, roomId, nothing, { pageSize: PAGE_SIZE })), facts.length)
    const read = await eventsPerSecond(() => readPages(db, roomId, nothing), facts.length)
    const parse = await eventsPerSecond(() => readPages(db, roomId, (event) => factOf(event)), facts.length)
    if (!sameState(replayed, folded) || !sameState(replayed, expected)) throw new Error('the replayed state differs from the state folded in memory')
    console.log(`  round ${r}/${ROUNDS}: machine from memory ${fmt(floor)}/s, replayRoom ${fmt(replay)}/s (${(replay / floor).toFixed(3)}), read only ${fmt(read)}/s, read + parse ${fmt(parse)}/s`)
    rounds.push({ floor, replay, read, parse })
  }
  const byRatio = [...rounds].sort((a, b) => a.replay / a.floor - b.replay / b.floor)
  return { rounds, median: byRatio[Math.floor((byRatio.length - 1) / 2)]! }
}

/**
 * snapshotAt(version) at points across the history, each timed three times (its median counts,
 * so one scheduling hiccup on a shared machine does not decide it), each checked against the
 * fold of the same facts from memory.
 */
async function timePoints(db: Db, roomId: string, facts: RoomFact[]): Promise<{ versions: number[]; medians: number[]; all: number[] }> {
  const versions = pointVersions(facts.length)
  await snapshotAt(db, roomId, { version: versions[0]! })
  const medians: number[] = []
  const all: number[] = []
  let snapshot = initialRoomSnapshot()
  let foldedTo = 0
  for (const version of versions) {
    const times: number[] = []
    let point: Awaited<ReturnType<typeof snapshotAt>> | undefined
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now()
      point = await snapshotAt(db, roomId, { version })
      times.push(performance.now() - t0)
    }
    const median = summarize(times).p50
    medians.push(median)
    all.push(...times)
    if (median > TARGET_POINT_MS) console.log(`  version ${fmt(version)}: ${times.map((t) => t.toFixed(1)).join(', ')} ms, over the target`)
    for (; foldedTo < version; foldedTo++) snapshot = applyFact(snapshot, facts[foldedTo]!)
    if (point!.version !== version || !sameState(point!.snapshot, snapshot)) throw new Error(`snapshotAt returned a wrong state at version ${version}`)
  }
  return { versions, medians, all }
}

const verdict = (met: boolean | null) => (met === null ? 'not applicable on the embedded database' : met ? 'met' : 'NOT met')

async function main(): Promise<void> {
  if (EVENTS < 10) throw new Error('BENCH_REPLAY_EVENTS must be at least 10')
  const database = await openBenchDatabase(2)
  const { db } = database
  const onPostgres = database.kind === 'postgres'
  try {
    const ownerId = await insertScratchUser(db, 'bench')
    const room = { roomId: `bench-replay-${randomUUID().slice(0, 8)}`, ownerId, sessionId: randomUUID() }
    console.log(`history: ${fmt(EVENTS)} events in room ${room.roomId}, a snapshot every ${SNAPSHOT_EVERY} versions, replay page ${fmt(PAGE_SIZE)}`)

    const started = performance.now()
    let reported = 0
    const stored = await storeRoomHistory(db, roomHistory(EVENTS, room), {
      roomId: room.roomId,
      snapshotEvery: SNAPSHOT_EVERY,
      onProgress: (version) => {
        if (version - reported >= EVENTS / 5 || version === EVENTS) console.log(`  stored ${fmt((reported = version))} events`)
      },
    })
    const snapshotKb = JSON.stringify(persistSnapshot(stored.snapshot)).length / 1024
    console.log(`generated and stored ${fmt(stored.version)} events in ${((performance.now() - started) / 1000).toFixed(1)} s; the last snapshot is ${snapshotKb.toFixed(0)} KB`)
    // A bulk load leaves no planner statistics until autovacuum comes round; a history the runtime wrote over time would have them.
    await sql`analyze events, room_snapshots`.execute(db)

    // Memory first, before the floor's facts are held in memory.
    const tenth = Math.max(1, Math.floor(EVENTS / 10))
    console.log(`measuring the memory of a replay of ${fmt(tenth)} and of ${fmt(EVENTS)} events${onPostgres ? ', each in a fresh process' : ''} …`)
    const small = await measureReplayMemory(database, room.roomId, tenth)
    const whole = await measureReplayMemory(database, room.roomId, EVENTS)
    const retained = (m: ReplayMemory) => MB(m.liveHeap - m.baseHeap)
    // Ten times the events, and what the replay holds on to must not grow: page-bounded, not history-bounded.
    const memoryBounded = retained(whole) <= Math.max(0, retained(small)) + 4

    console.log('building the same facts in memory for the floor …')
    const facts: RoomFact[] = []
    for (const { fact } of roomHistory(EVENTS, room)) facts.push(fact)
    const { rounds, median } = await throughputRounds(db, room.roomId, facts, stored.snapshot)

    console.log(`looking up ${POINTS} points in the history with snapshotAt …`)
    const points = await timePoints(db, room.roomId, facts)
    const atMs: number[] = []
    for (const version of points.versions.slice(0, 5)) {
      const t0 = performance.now()
      await snapshotAt(db, room.roomId, { at: new Date(facts[version - 1]!.at) })
      atMs.push(performance.now() - t0)
    }

    const ratio = median.replay / median.floor
    const replayMet = onPostgres ? ratio >= TARGET_RATIO : null
    const pointSummary = summarize(points.medians)
    const pointsMet = onPostgres ? pointSummary.max <= TARGET_POINT_MS : null
    const best = (key: keyof Round) => Math.max(...rounds.map((r) => r[key]))
    console.log(`\n${''.padEnd(40)}${'median round'.padStart(14)}${'best round'.padStart(14)}   events/s`)
    for (const [label, key] of [['machine alone, from memory (floor)', 'floor'], ['replayRoom (read + parse + fold)', 'replay'], ['  read only (readStreamFacts pages)', 'read'], ['  read + zod parse', 'parse']] as const) {
      console.log(`${label.padEnd(40)}${fmt(median[key]).padStart(14)}${fmt(best(key)).padStart(14)}`)
    }
    console.log(`ratio replay/floor (round with the median ratio): ${ratio.toFixed(3)}; of the best rounds: ${(best('replay') / best('floor')).toFixed(3)} — target ≥ ${TARGET_RATIO} on PostgreSQL: ${verdict(replayMet)}`)
    console.log(`\nmemory of a replay${onPostgres ? ', each in a fresh process' : ''}, from a collected heap (high-water sampled each page; retained = live heap after collections every 10 pages):`)
    console.log(`  ${fmt(tenth).padStart(9)} events: ${describeMemory(small)}; retained +${retained(small).toFixed(1)} MB`)
    console.log(`  ${fmt(EVENTS).padStart(9)} events: ${describeMemory(whole)}; retained +${retained(whole).toFixed(1)} MB`)
    console.log(`  bounded by the page, not the history (retained at 10× the events ≤ +4 MB more): ${memoryBounded ? 'yes' : 'NO'}`)
    console.log(`\nsnapshotAt(version) at ${points.versions.length} points (median of 3 each): p50 ${pointSummary.p50.toFixed(1)} ms, max ${pointSummary.max.toFixed(1)} ms (slowest single call ${summarize(points.all).max.toFixed(1)} ms) — target ≤ ${TARGET_POINT_MS} ms on PostgreSQL: ${verdict(pointsMet)}`)
    console.log(`snapshotAt(at) at ${atMs.length} points: p50 ${summarize(atMs).p50.toFixed(1)} ms, max ${summarize(atMs).max.toFixed(1)} ms (for reference)\n`)

    printResult({ figure: `replay of ${fmt(EVENTS)} events vs machine alone (${database.label})`, value: Math.round(median.replay), unit: 'events/s', baseline: Math.round(median.floor), ratio: round(ratio), target: TARGET_RATIO, met: replayMet })
    printResult({
      figure: `replay RSS high-water, ${fmt(EVENTS)} vs ${fmt(tenth)} events (bounded: retained heap flat)`,
      value: round(MB(whole.peakRss), 1),
      unit: 'MB',
      baseline: round(MB(small.peakRss), 1),
      ratio: round(whole.peakRss / small.peakRss),
      target: null,
      met: memoryBounded,
    })
    printResult({ figure: `snapshotAt(version), slowest of ${points.versions.length} points, ${fmt(EVENTS)}-event room (${database.label})`, value: round(pointSummary.max, 1), unit: 'ms', baseline: null, ratio: null, target: TARGET_POINT_MS, met: pointsMet })
  } finally {
    await database.dispose()
  }
}

const run = process.argv[2] === '--replay-memory' ? replayMemoryChild : main
run().catch((error) => {
  console.error(error)
  process.exit(1)
})
