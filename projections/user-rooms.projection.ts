import { sql } from 'kysely'
import type { Projection } from './projection'
import { stateAfter } from './projection'

/** Each user's rooms, newest first, by state: behind GET /api/interview/rooms. */
export const userRoomsProjection: Projection = {
  name: 'user_rooms',
  tables: ['user_rooms'],
  handles: ['room_opened', 'phase_started', 'phase_changed', 'timer_paused', 'timer_resumed', 'timer_reset', 'problem_injected', 'interview_completed'],
  async apply(tx, facts) {
    for (const { room_id, version, fact } of facts) {
      if (fact.type === 'room_opened') {
        await tx
          .insertInto('user_rooms')
          .values({ room_id, owner_id: fact.owner_id, title: fact.title, state: 'ready', total_phases: fact.phases.length, opened_at: new Date(fact.at), version })
          .onConflict((oc) => oc.column('room_id').doNothing())
          .execute()
        continue
      }
      const state = stateAfter(fact)
      await tx
        .updateTable('user_rooms')
        .set({
          version,
          ...(state ? { state } : {}),
          ...(fact.type === 'phase_started' ? { started_at: sql<Date>`coalesce(started_at, ${new Date(fact.at)})` } : {}),
          ...(fact.type === 'problem_injected' ? { problems_injected: sql<number>`problems_injected + 1` } : {}),
          ...(fact.type === 'interview_completed' ? { completed_at: new Date(fact.at), session_duration_seconds: fact.session_duration_seconds } : {}),
        })
        .where('room_id', '=', room_id)
        .where('version', '<', version)
        .execute()
    }
  },
}
