import { sql } from 'kysely'
import type { Projection } from './projection'
import { byRoom, stateAfter } from './projection'

/** Each user's rooms, newest first, by state: behind GET /api/interview/rooms. */
export const userRoomsProjection: Projection = {
  name: 'user_rooms',
  tables: ['user_rooms'],
  handles: ['room_opened', 'phase_started', 'phase_changed', 'timer_paused', 'timer_resumed', 'timer_reset', 'problem_injected', 'interview_completed'],
  // One insert for the batch's new rooms and one update for every room's later facts, folded.
  async apply(tx, facts) {
    const { opened, later } = byRoom(facts)
    if (opened.length > 0) {
      await tx
        .insertInto('user_rooms')
        .values(opened.map(({ room_id, version, fact }) => ({ room_id, owner_id: fact.owner_id, title: fact.title, state: 'ready', total_phases: fact.phases.length, opened_at: new Date(fact.at), version })))
        .onConflict((oc) => oc.column('room_id').doNothing())
        .execute()
    }
    if (later.length === 0) return
    const rows = later.map(({ room_id, facts }) => {
      let state: string | undefined
      let startedAt: string | undefined
      let problems = 0
      let completed: { at: string; seconds: number } | undefined
      for (const { fact } of facts) {
        state = stateAfter(fact) ?? state
        if (fact.type === 'phase_started') startedAt ??= fact.at
        if (fact.type === 'problem_injected') problems++
        if (fact.type === 'interview_completed') completed = { at: fact.at, seconds: fact.session_duration_seconds }
      }
      return { room_id, first: facts[0]!.version, version: facts[facts.length - 1]!.version, state, startedAt, problems, completed }
    })
    await sql`
      update user_rooms o
         set version = v.version, state = coalesce(v.state, o.state), started_at = coalesce(o.started_at, v.started_at),
             problems_injected = o.problems_injected + v.problems,
             completed_at = coalesce(v.completed_at, o.completed_at), session_duration_seconds = coalesce(v.session_duration_seconds, o.session_duration_seconds)
        from unnest(${rows.map((r) => r.room_id)}::text[], ${rows.map((r) => r.first)}::int[], ${rows.map((r) => r.version)}::int[], ${rows.map((r) => r.state ?? null)}::text[],
                    ${rows.map((r) => r.startedAt ?? null)}::timestamptz[], ${rows.map((r) => r.problems)}::int[],
                    ${rows.map((r) => r.completed?.at ?? null)}::timestamptz[], ${rows.map((r) => r.completed?.seconds ?? null)}::int[])
             as v(room_id, first_version, version, state, started_at, problems, completed_at, session_duration_seconds)
       where o.room_id = v.room_id and o.version < v.first_version`.execute(tx)
  },
}
