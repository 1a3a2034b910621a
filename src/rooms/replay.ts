import type { Db } from '../db/database'
import { readStream, readStreamFacts, type StreamFact } from '../event-store'
import { initialRoomSnapshot, MACHINE_VERSION, restorableSnapshot, roomState, roomStatus, stateValuePath, type RoomFact, type RoomSnapshot } from '../../machines/interview-room'
import { applyStored, dataOf, factOf, roomStream, schemaVersionOf } from './room-facts.schema'
import { findSnapshotBefore } from './room.repository'

const PAGE = 1_000

/** A fact at its version, with the machine state and the timer status just after it. */
export interface FactEntry {
  version: number
  type: string
  at: string
  data: unknown
  state: string
  state_value: string
  status: ReturnType<typeof roomStatus>['timer_status']
}

export interface TimelineEntry extends FactEntry {
  recorded_at: string
  metadata: unknown
  /** The schema version the fact was stored with (its data is shown as stored). */
  schema_version: number
  /** The machine version that recorded the fact; null when it was recorded before machines had versions. */
  machine_version: number | null
}

/** What the history, the simulator and the CLI tables say of a fact: `data` as stored, the state and status after it. */
export function factEntry(version: number, fact: RoomFact, snapshot: RoomSnapshot, data: unknown = dataOf(fact)): FactEntry {
  return {
    version,
    type: fact.type,
    at: fact.at,
    data,
    state: roomState(snapshot),
    state_value: stateValuePath(snapshot),
    status: roomStatus(snapshot, new Date(fact.at)).timer_status,
  }
}

/**
 * Replays a room's stored facts through the machine, page by page, calling `visit` with the
 * snapshot after each. Memory stays bounded by the page size. Uses the runtime's machine code.
 */
export async function replayRoom(
  db: Db,
  roomId: string,
  visit: (event: StreamFact, fact: RoomFact, snapshot: RoomSnapshot) => void,
  options: { fromVersion?: number; toVersion?: number; start?: RoomSnapshot; pageSize?: number } = {},
): Promise<RoomSnapshot> {
  let snapshot = options.start ?? initialRoomSnapshot()
  for await (const page of factPages(db, roomId, { fromVersion: options.fromVersion ?? 1, toVersion: options.toVersion, pageSize: options.pageSize ?? PAGE })) {
    for (const event of page) {
      const applied = applyStored(snapshot, event)
      snapshot = applied.snapshot
      visit(event, applied.fact, snapshot)
    }
  }
  return snapshot
}

/**
 * A room's stored facts page by page, the next page read while the caller folds this one: the
 * database's round trip overlaps the machine's work, and at most two pages are held.
 */
async function* factPages(db: Db, roomId: string, options: { fromVersion: number; toVersion?: number; pageSize: number }): AsyncGenerator<StreamFact[]> {
  const read = (fromVersion: number) => {
    const page = readStreamFacts(db, roomStream(roomId), { fromVersion, toVersion: options.toVersion, limit: options.pageSize })
    // A caller that stops early leaves the page read ahead unread: its failure is nobody's to handle.
    page.catch(() => undefined)
    return page
  }
  let next = read(options.fromVersion)
  for (;;) {
    const page = await next
    const full = page.length === options.pageSize
    if (full) next = read(page[page.length - 1]!.stream_position + 1)
    yield page
    if (!full) return
  }
}

/** Every event of a room (from a version, up to a limit) with its metadata, and the machine state and status after it. */
export async function roomTimeline(db: Db, roomId: string, options: { fromVersion: number; limit: number }): Promise<TimelineEntry[]> {
  const start = options.fromVersion > 1 ? await snapshotAt(db, roomId, { version: options.fromVersion - 1 }) : undefined
  const events = await readStream(db, roomStream(roomId), { fromVersion: options.fromVersion, limit: options.limit })
  let snapshot = start?.snapshot ?? initialRoomSnapshot()
  return events.map((event) => {
    const { fact, snapshot: after } = applyStored(snapshot, event)
    snapshot = after
    return {
      ...factEntry(event.stream_position, fact, snapshot, event.data),
      recorded_at: event.recorded_at.toISOString(),
      metadata: event.metadata,
      schema_version: schemaVersionOf(event),
      machine_version: typeof event.metadata.machine_version === 'number' ? event.metadata.machine_version : null,
    }
  })
}

export interface PointInTime {
  snapshot: RoomSnapshot
  version: number
  /** The time of the last fact folded (null before the first). */
  at: string | null
}

/**
 * The room as it was at a version or a time: the nearest stored snapshot before it, plus the
 * events after that snapshot. Never reads the whole history of a long room.
 */
export async function snapshotAt(db: Db, roomId: string, bound: { version?: number; at?: Date }): Promise<PointInTime> {
  // Only this machine version's snapshots: another version's are skipped (and replaced by snapshots:rebuild).
  let found = await findSnapshotBefore(db, roomId, bound)
  let restored = found && restorableSnapshot(found.snapshot)
  if (found && !restored) {
    found = await findSnapshotBefore(db, roomId, bound, MACHINE_VERSION)
    restored = found && restorableSnapshot(found.snapshot)
  }
  const stored = restored ? found : undefined
  let snapshot = restored ?? initialRoomSnapshot()
  let version = stored?.version ?? 0
  let at: string | null = stored ? stored.at.toISOString() : null
  const toVersion = bound.version
  for await (const page of factPages(db, roomId, { fromVersion: version + 1, toVersion, pageSize: PAGE })) {
    for (const event of page) {
      const fact = factOf(event)
      if (bound.at && Date.parse(fact.at) > bound.at.getTime()) return { snapshot, version, at }
      snapshot = applyStored(snapshot, event, fact).snapshot
      version = event.stream_position
      at = fact.at
    }
  }
  return { snapshot, version, at }
}
