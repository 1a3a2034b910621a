import { sql } from 'kysely'
import type { Db } from '../db/database'
import { PREPARE } from '../db/prepared'
import { initialRoomSnapshot, type RoomSnapshot } from '../../machines/interview-room'
import { FactReadError, type FactReadFailure } from './fact-versions'
import { applyStored, roomStream } from './room-facts.schema'

/** A room today's code cannot replay: the first event that fails, and why. */
export interface RoomCheckFailure extends Omit<FactReadFailure, 'position'> {
  room_id: string
  /** The stream version (position) of the first event that fails. */
  version: number
}

export interface HistoryCheckResult {
  rooms: number
  events: number
  failed: number
}

export interface HistoryCheckOptions {
  /** Events read per query (default 5,000): memory holds one page and one room's snapshot. */
  pageSize?: number
  /** Only these rooms (else every stored room). */
  roomIds?: string[]
  onFailure: (failure: RoomCheckFailure) => void
  onProgress?: (result: HistoryCheckResult) => void
}

interface Row {
  stream_id: string
  stream_position: number
  type: string
  data: unknown
  schema_version: number | null
}

const ROOM = 'room-'
const LAST_POSITION = 2_147_483_647

/**
 * Replays every stored room (or the given ones) through today's read path and machine: upcasters,
 * the fact schema, then the machine. The log is read in stream order, in pages, by keyset on the
 * (stream_id, stream_position) key, so memory stays bounded whatever the number of rooms or events.
 * Reports each failing room once, at its first failing event, and skips the rest of that room.
 */
export async function checkHistories(db: Db, options: HistoryCheckOptions): Promise<HistoryCheckResult> {
  const pageSize = options.pageSize ?? 5_000
  const result: HistoryCheckResult = { rooms: 0, events: 0, failed: 0 }
  const streams = options.roomIds?.map(roomStream)
  let after = { stream: options.roomIds ? '' : ROOM, position: 0 }
  let current: { stream: string; snapshot: RoomSnapshot } | undefined
  for (;;) {
    const page = await readPage(db, after, pageSize, streams)
    for (const row of page) {
      if (row.stream_id !== current?.stream) {
        current = { stream: row.stream_id, snapshot: initialRoomSnapshot() }
        result.rooms++
      }
      result.events++
      try {
        current.snapshot = applyStored(current.snapshot, row).snapshot
      } catch (error) {
        if (!(error instanceof FactReadError)) throw error
        const { position: _position, ...failure } = error.failure
        options.onFailure({ room_id: row.stream_id.slice(ROOM.length), version: row.stream_position, ...failure })
        result.failed++
        // The rest of this room cannot be replayed: go on after its last possible position.
        after = { stream: row.stream_id, position: LAST_POSITION }
        break
      }
      after = { stream: row.stream_id, position: row.stream_position }
    }
    options.onProgress?.(result)
    if (page.length < pageSize && after.position !== LAST_POSITION) return result
    if (page.length === 0) return result
  }
}

async function readPage(db: Db, after: { stream: string; position: number }, limit: number, streams?: string[]): Promise<Row[]> {
  const only = streams ? sql`and stream_id = any(${streams}::text[])` : sql`and starts_with(stream_id, ${ROOM})`
  const result = await sql<Row>`${sql.raw(PREPARE)}
    select stream_id, stream_position, type, data, (metadata->'schema_version')::int as schema_version
      from events
     where (stream_id, stream_position) > (${after.stream}, ${after.position}) ${only}
     order by stream_id, stream_position
     limit ${limit}`.execute(db)
  return result.rows
}

/** Up to `count` stored rooms picked at random (from the stream heads index). */
export async function sampleRooms(db: Db, count: number): Promise<string[]> {
  const result = await sql<{ stream_id: string }>`
    select stream_id from events where stream_position = 1 and starts_with(stream_id, ${ROOM}) order by random() limit ${count}`.execute(db)
  return result.rows.map((r) => r.stream_id.slice(ROOM.length))
}
