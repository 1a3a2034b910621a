import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { Database } from '../db/database'
import { PREPARE } from '../db/prepared'
import type { Checkpoint, StoredEvent } from './types'

const COLUMNS = sql`global_position, stream_id, stream_position, type, data, metadata, transaction_id::text as transaction_id, recorded_at`
const FACT_COLUMNS = sql`stream_position, type, data, (metadata->'schema_version')::int as schema_version`

export interface ReadStreamOptions {
  /** First position to return (inclusive); default 1. */
  fromVersion?: number
  /** Last position to return (inclusive). */
  toVersion?: number
  limit?: number
}

/** What folding a stream through its machine needs of each event: its schema version, not the rest of its metadata. */
export type StreamFact = Pick<StoredEvent, 'stream_position' | 'type' | 'data'> & { schema_version: number | null }

/** A stream's events in stream order. */
export async function readStream(db: Kysely<Database>, streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
  return selectStream<StoredEvent>(COLUMNS, db, streamId, options)
}

/**
 * A stream's events in stream order, only position, type, data and schema version: for replays, which fold
 * thousands of events and need neither metadata nor log positions (half the bytes to decode).
 */
export async function readStreamFacts(db: Kysely<Database>, streamId: string, options: ReadStreamOptions = {}): Promise<StreamFact[]> {
  return selectStream<StreamFact>(FACT_COLUMNS, db, streamId, options)
}

const MAX_POSITION = 2_147_483_647

async function selectStream<R>(columns: RawBuilder<unknown>, db: Kysely<Database>, streamId: string, options: ReadStreamOptions): Promise<R[]> {
  const from = options.fromVersion ?? 1
  const limit = options.limit ?? MAX_POSITION
  // Positions are dense (1, 2, 3 …), so a page is also a range: the index scan reads no further.
  const to = Math.min(options.toVersion ?? MAX_POSITION, from + limit - 1)
  if (from > to) return []
  const result = await sql<R>`${sql.raw(PREPARE)}
    select ${columns} from events
     where stream_id = ${streamId} and stream_position between ${from} and ${to}
     order by stream_position limit ${limit}`.execute(db)
  return result.rows
}

/**
 * The whole log after `after`, in commit-safe order: only transactions older than every one still
 * running are visible, ordered by (transaction_id, global_position). A slow transaction's events
 * therefore appear after it commits, never skipped. The order names the table's xid8 column: a bare
 * `transaction_id` would be the text column of the select list, and text puts "1000" before "999".
 */
export async function readAll(db: Kysely<Database>, options: { after: Checkpoint; limit?: number }): Promise<StoredEvent[]> {
  const { after } = options
  const result = await sql<StoredEvent>`
    select ${COLUMNS} from events
     where (transaction_id, global_position) > (${after.transaction_id}::xid8, ${after.global_position}::bigint)
       and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
     order by events.transaction_id, events.global_position
     limit ${options.limit ?? 500}`.execute(db)
  return result.rows
}

/** The current head of a stream (0 if it has no events). */
export async function streamVersion(db: Kysely<Database>, streamId: string): Promise<number> {
  const result = await sql<{ version: number }>`select coalesce(max(stream_position), 0)::int as version from events where stream_id = ${streamId}`.execute(db)
  return result.rows[0]?.version ?? 0
}
