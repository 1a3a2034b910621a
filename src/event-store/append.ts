import { sql, type Kysely } from 'kysely'
import type { Database } from '../db/database'
import { isUniqueViolation } from '../db/errors'
import { PREPARE } from '../db/prepared'
import { ConcurrencyError, storedEvent, type AppendedRow, type NewEvent, type StoredEvent } from './types'

export interface AppendResult {
  nextVersion: number
  events: StoredEvent[]
}

/**
 * Appends events at `expectedVersion + 1 …` in one statement. If the stream is not at
 * `expectedVersion` (checked in the same statement, fenced by the unique key), nothing is
 * written and ConcurrencyError is thrown. Pass a transaction to commit with other writes.
 */
export async function appendToStream(db: Kysely<Database>, streamId: string, expectedVersion: number, events: NewEvent[]): Promise<AppendResult> {
  if (events.length === 0) return { nextVersion: expectedVersion, events: [] }
  const types = events.map((e) => e.type)
  const data = events.map((e) => JSON.stringify(e.data))
  const metadata = events.map((e) => JSON.stringify(e.metadata ?? {}))
  let rows: AppendedRow[]
  try {
    const result = await (events.length === 1 ? appendOne(streamId, expectedVersion, types[0]!, data[0]!, metadata[0]!) : appendMany(streamId, expectedVersion, types, data, metadata)).execute(db)
    rows = result.rows
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConcurrencyError(streamId, expectedVersion)
    throw error
  }
  if (rows.length !== events.length) throw new ConcurrencyError(streamId, expectedVersion)
  const stored = rows.sort((a, b) => a.stream_position - b.stream_position).map((row, i) => storedEvent(streamId, row, events[i]!))
  return { nextVersion: expectedVersion + events.length, events: stored }
}

// Both statements are prepared: their text never changes, whatever the events. The version check
// and the insert are one statement; a writer racing past the check hits the unique key.

/** The common case, one fact per command: plain parameters, no arrays to unpack. */
const appendOne = (streamId: string, expectedVersion: number, type: string, data: string, metadata: string) => sql<AppendedRow>`${sql.raw(PREPARE)}
  insert into events (stream_id, stream_position, type, data, metadata)
  select ${streamId}, ${expectedVersion}::int + 1, ${type}, ${data}::jsonb, ${metadata}::jsonb
   where (select coalesce(max(stream_position), 0) from events where stream_id = ${streamId}) = ${expectedVersion}
  returning global_position, stream_position, transaction_id::text as transaction_id, recorded_at`

const appendMany = (streamId: string, expectedVersion: number, types: string[], data: string[], metadata: string[]) => sql<AppendedRow>`${sql.raw(PREPARE)}
  insert into events (stream_id, stream_position, type, data, metadata)
  select ${streamId}, ${expectedVersion}::int + e.ord::int, e.type, e.data::jsonb, e.metadata::jsonb
    from unnest(${types}::text[], ${data}::text[], ${metadata}::text[]) with ordinality as e(type, data, metadata, ord)
   where (select coalesce(max(stream_position), 0) from events where stream_id = ${streamId}) = ${expectedVersion}
  returning global_position, stream_position, transaction_id::text as transaction_id, recorded_at`
