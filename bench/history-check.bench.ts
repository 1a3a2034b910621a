/**
 * history:check throughput: 10,000 stored rooms (each a generated history of 5–40 facts, written
 * as the runtime writes them: payload, schema and machine versions in the metadata) checked with
 * checkHistories, the code behind `npm run history:check`: keyset pages of the whole log, each fact
 * upcast, parsed and applied to its room's machine. Beside it, in alternating rounds, the machine
 * alone folding the same facts from memory (the floor), so the ratio shows what reading costs.
 *
 *   BENCH_DATABASE_URL / TEST_DATABASE_URL  PostgreSQL server to use (a scratch database is made on it); unset: embedded PGlite
 *   BENCH_CHECK_ROOMS   stored rooms (default 10,000)
 *   BENCH_ROUNDS        timed rounds of check and floor; the round with the median ratio is reported (default 3)
 */
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import type { Db } from '../src/db/database'
import { checkHistories } from '../src/rooms/history-check'
import { eventOf, roomStream } from '../src/rooms/room-facts.schema'
import { foldFacts, type RoomFact } from '../machines/interview-room'
import { openBenchDatabase } from './lib-database'
import { roomHistory } from './lib-replay-history'
import { fmt, round } from './lib-stats'
import { envNumber, printResult } from './support'

const ROOMS = Math.round(envNumber('BENCH_CHECK_ROOMS', 10_000))
const ROUNDS = Math.round(envNumber('BENCH_ROUNDS', 3))

interface Row {
  stream: string
  position: number
  type: string
  data: string
  metadata: string
  at: string
}

async function insertRows(db: Db, rows: Row[]): Promise<void> {
  await sql`
    insert into events (stream_id, stream_position, type, data, metadata, recorded_at)
    select e.stream, e.position, e.type, e.data::jsonb, e.metadata::jsonb, e.at
      from unnest(${rows.map((r) => r.stream)}::text[], ${rows.map((r) => r.position)}::int[], ${rows.map((r) => r.type)}::text[],
                  ${rows.map((r) => r.data)}::text[], ${rows.map((r) => r.metadata)}::text[], ${rows.map((r) => r.at)}::timestamptz[])
        as e(stream, position, type, data, metadata, at)`.execute(db)
}

/** Generates and stores the rooms; returns each room's facts for the floor. */
async function storeRooms(db: Db, ownerId: string): Promise<RoomFact[][]> {
  const rooms: RoomFact[][] = []
  let rows: Row[] = []
  for (let i = 0; i < ROOMS; i++) {
    const roomId = `bench-check-${i.toString().padStart(6, '0')}`
    const facts: RoomFact[] = []
    for (const { fact } of roomHistory(5 + (i % 36), { roomId, ownerId, sessionId: randomUUID() }, i + 1)) {
      facts.push(fact)
      const event = eventOf(fact, { node: 'bench' })
      rows.push({ stream: roomStream(roomId), position: facts.length, type: fact.type, data: JSON.stringify(event.data), metadata: JSON.stringify(event.metadata), at: fact.at })
    }
    rooms.push(facts)
    if (rows.length >= 20_000) {
      await insertRows(db, rows)
      rows = []
    }
  }
  if (rows.length > 0) await insertRows(db, rows)
  return rooms
}

async function main(): Promise<void> {
  const database = await openBenchDatabase(2)
  const { db } = database
  try {
    const ownerId = randomUUID()
    const started = performance.now()
    const rooms = await storeRooms(db, ownerId)
    const events = rooms.reduce((n, r) => n + r.length, 0)
    await sql`analyze events`.execute(db)
    console.log(`stored ${fmt(ROOMS)} rooms, ${fmt(events)} events in ${((performance.now() - started) / 1000).toFixed(1)} s`)

    const checks: { rooms: number; events: number; seconds: number }[] = []
    const floors: number[] = []
    for (let r = 1; r <= ROUNDS; r++) {
      const t0 = performance.now()
      const result = await checkHistories(db, { onFailure: (f) => console.log(`  unexpected failure: ${JSON.stringify(f)}`) })
      const seconds = (performance.now() - t0) / 1000
      if (result.rooms !== ROOMS || result.events !== events || result.failed !== 0) throw new Error(`history:check saw ${JSON.stringify(result)}, expected ${ROOMS} rooms and ${events} events, none failing`)
      checks.push({ ...result, seconds })
      const t1 = performance.now()
      for (const facts of rooms) foldFacts(facts)
      floors.push(events / ((performance.now() - t1) / 1000))
      console.log(`  round ${r}/${ROUNDS}: history:check ${fmt(ROOMS / seconds)} rooms/s, ${fmt(events / seconds)} events/s in ${seconds.toFixed(2)} s; machine alone from memory ${fmt(floors[floors.length - 1]!)} events/s`)
    }
    // Check and floor ran back to back in each round and share its load: report the round with the median ratio.
    const rounds = checks.map((c, i) => ({ seconds: c.seconds, floor: floors[i]!, ratio: events / c.seconds / floors[i]! }))
    const { seconds, floor } = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor((rounds.length - 1) / 2)]!
    const eventsPerSecond = events / seconds
    console.log(`\nhistory:check over ${fmt(ROOMS)} rooms (${fmt(events)} events), the round with the median ratio: ${fmt(ROOMS / seconds)} rooms/s, ${fmt(eventsPerSecond)} events/s; ${(eventsPerSecond / floor).toFixed(3)} of the machine alone\n`)
    printResult({ figure: `history:check, ${fmt(ROOMS)} stored rooms (${database.label})`, value: Math.round(ROOMS / seconds), unit: 'rooms/s', baseline: null, ratio: null, target: null, met: null })
    printResult({
      figure: `history:check events vs machine alone, ${fmt(ROOMS)} rooms (${database.label})`,
      value: Math.round(eventsPerSecond),
      unit: 'events/s',
      baseline: Math.round(floor),
      ratio: round(eventsPerSecond / floor),
      target: null,
      met: null,
    })
  } finally {
    await database.dispose()
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
