import { sql } from 'kysely'
import type { NewEvent } from '../src/event-store'
import type { BenchDatabase } from './lib-database'
import { summarize, type Summary } from './lib-stats'

/** A typical room fact and its metadata: what the runtime appends. */
export const EVENT: NewEvent = {
  type: 'problem_injected',
  data: {
    problem_id: '7d0c7a3e-4c1f-4d55-9a55-1f6c9c2b8e10',
    problem_text: 'Given an array of integers, return the length of the longest strictly increasing subsequence.',
    problem_type: 'coding',
    difficulty: 'medium',
    at: '2025-01-01T10:00:00.000Z',
  },
  metadata: { request_id: 'b3c8f0de-2a41-4a7e-8a36-52a1f1f4c0d2', user_id: '0e1f6f0a-9f3e-4b8e-a7d4-6b0c6b0b8f11', node: 'bench-host:1234:beef' },
}

export interface Measurement {
  events: number
  seconds: number
  perSecond: number
  latency: Summary
}


/** A table of the events table's shape: same columns, defaults, identity key and unique fence. */
export async function createRawTable(database: BenchDatabase, name: string): Promise<void> {
  await sql`
    create table ${sql.table(name)} (
      global_position bigint generated always as identity primary key,
      stream_id       text        not null,
      stream_position integer     not null,
      type            text        not null,
      data            jsonb       not null,
      metadata        jsonb       not null default '{}',
      transaction_id  xid8        not null default pg_current_xact_id(),
      recorded_at     timestamptz not null default now(),
      unique (stream_id, stream_position)
    )`.execute(database.db)
  await sql`create index ${sql.raw(`${name}_transaction_order`)} on ${sql.table(name)} (transaction_id, global_position)`.execute(database.db)
}

/** Events committed and per-append latencies, summed over rounds. */
export class Tally {
  events = 0
  seconds = 0
  readonly latencies: number[] = []

  measurement(): Measurement {
    return { events: this.events, seconds: this.seconds, perSecond: this.events / this.seconds, latency: summarize(this.latencies) }
  }
}

/**
 * `writers` loops, each calling `op(writer, n)` with n = 1, 2, 3 … until the time is up; the wall
 * time counts until the last writer stopped.
 */
export async function load(writers: number, seconds: number, op: (writer: number, n: number) => Promise<unknown>, tally = new Tally()): Promise<Tally> {
  const started = performance.now()
  const end = started + seconds * 1000
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let n = 1; performance.now() < end; n++) {
        const t0 = performance.now()
        await op(writer, n)
        tally.latencies.push(performance.now() - t0)
        tally.events++
      }
    }),
  )
  tally.seconds += (performance.now() - started) / 1000
  return tally
}

/** What pgbench would send: one parameterised INSERT, autocommitted, nothing returned. */
export function rawOp(database: BenchDatabase, run: string, table = 'raw_events') {
  const text = `insert into ${table} (stream_id, stream_position, type, data, metadata) values ($1, $2, $3, $4, $5)`
  return (writer: number, n: number) => database.pool.query(text, [`bench-${run}-${writer}`, n, EVENT.type, JSON.stringify(EVENT.data), JSON.stringify(EVENT.metadata ?? {})])
}

