import type { Db } from '../db/database'
import { readStream, type EventMetadata } from '../event-store'
import { initialRoomSnapshot, MACHINE_VERSION, roomStatus, type RoomSnapshot, type RoomStatus } from '../../machines/interview-room'
import { applyStored, roomStream, schemaVersionOf } from './room-facts.schema'

/** One stored event as it is in the log, and what the machine made of it when it was recorded. */
export interface RecordedEvent {
  version: number
  type: string
  /** The payload exactly as stored (its schema version is in `metadata.schema_version`, absent = 1). */
  data: unknown
  metadata: EventMetadata
  recorded_at: string
  /** The room's status (state, state value, timer status, context) at the fact's time, after it. */
  status: RoomStatus
  peers: string[]
}

/** A room's whole history with the machine's answers: a golden fixture in test/fixtures/histories/. */
export interface RecordedHistory {
  room_id: string
  exported_at: string
  machine: { id: string; version: number }
  events: RecordedEvent[]
}

/** What today's code makes of one stored event, after the snapshot it is applied to. */
export function replayEvent(snapshot: RoomSnapshot, event: Pick<RecordedEvent, 'type' | 'data' | 'metadata'>): { snapshot: RoomSnapshot; status: RoomStatus; peers: string[] } {
  const { snapshot: next, fact } = applyStored(snapshot, event)
  return { snapshot: next, status: roomStatus(next, new Date(fact.at)), peers: [...next.context.peers] }
}

/** Reads a room's events page by page and records what the machine makes of each. */
export async function recordHistory(db: Db, roomId: string, now: Date, pageSize = 1_000): Promise<RecordedHistory> {
  const events: RecordedEvent[] = []
  let snapshot = initialRoomSnapshot()
  for (let from = 1; ; ) {
    const page = await readStream(db, roomStream(roomId), { fromVersion: from, limit: pageSize })
    for (const event of page) {
      const replayed = replayEvent(snapshot, event)
      snapshot = replayed.snapshot
      events.push({
        version: event.stream_position,
        type: event.type,
        data: event.data,
        metadata: event.metadata,
        recorded_at: event.recorded_at.toISOString(),
        status: replayed.status,
        peers: replayed.peers,
      })
    }
    if (page.length < pageSize) break
    from = page[page.length - 1]!.stream_position + 1
  }
  return { room_id: roomId, exported_at: now.toISOString(), machine: { id: 'interview-room', version: MACHINE_VERSION }, events }
}

/** The stored schema version of a recorded event. */
export const recordedSchemaVersion = (event: Pick<RecordedEvent, 'type' | 'data' | 'metadata'>): number => schemaVersionOf(event)
