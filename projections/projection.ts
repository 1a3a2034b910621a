import type { Kysely } from 'kysely'
import type { Database } from '../src/db/database'
import type { RoomFact, RoomFactType } from '../machines/interview-room'

/** A room fact as a projection sees it: the fact, its room and its place in the room's stream. */
export interface ProjectedFact {
  room_id: string
  version: number
  recorded_at: Date
  fact: RoomFact
}

/** A read model folded from the log, asynchronously, with its checkpoint kept beside its rows. */
export interface Projection {
  name: string
  /** Tables a rebuild empties. */
  tables: readonly (keyof Database)[]
  /** Fact types it reads; others are skipped without parsing. */
  handles: readonly RoomFactType[]
  /** Applies a batch in the caller's transaction (the checkpoint moves in the same one). */
  apply(tx: Kysely<Database>, facts: ProjectedFact[]): Promise<void>
}

/** The state a room is in after a fact, for the facts that change it. */
export function stateAfter(fact: RoomFact): string | undefined {
  switch (fact.type) {
    case 'room_opened':
      return 'ready'
    case 'phase_started':
    case 'phase_changed':
    case 'timer_resumed':
      return 'running'
    case 'timer_paused':
      return 'paused'
    case 'timer_reset':
      return fact.scope === 'interview' ? 'ready' : undefined
    case 'interview_completed':
      return 'completed'
    default:
      return undefined
  }
}

type Opened = ProjectedFact & { fact: Extract<RoomFact, { type: 'room_opened' }> }

/**
 * A batch split for set-based writes: the rooms it opens, and each room's other facts in stream
 * order (a batch holds a room's facts in the order they were appended).
 */
export function byRoom(facts: ProjectedFact[]): { opened: Opened[]; later: Array<{ room_id: string; facts: ProjectedFact[] }> } {
  const opened: Opened[] = []
  const later = new Map<string, ProjectedFact[]>()
  for (const projected of facts) {
    if (projected.fact.type === 'room_opened') opened.push(projected as Opened)
    else {
      const room = later.get(projected.room_id)
      if (room) room.push(projected)
      else later.set(projected.room_id, [projected])
    }
  }
  return { opened, later: [...later].map(([room_id, facts]) => ({ room_id, facts })) }
}
