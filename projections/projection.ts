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
