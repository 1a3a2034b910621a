import { sql } from 'kysely'
import type { Projection } from './projection'
import { stateAfter } from './projection'

/** Rooms with their live connections: behind GET /api/connections/status. */
export const roomOverviewProjection: Projection = {
  name: 'room_overview',
  tables: ['room_overview'],
  handles: ['room_opened', 'phase_started', 'phase_changed', 'timer_paused', 'timer_resumed', 'timer_reset', 'interview_completed', 'peer_connected', 'peer_disconnected'],
  async apply(tx, facts) {
    for (const { room_id, version, fact } of facts) {
      const common = { last_event_type: fact.type, last_event_at: new Date(fact.at), version }
      if (fact.type === 'room_opened') {
        await tx
          .insertInto('room_overview')
          .values({ room_id, owner_id: fact.owner_id, state: 'ready', current_sequence: fact.phases[0]?.sequence ?? null, ...common })
          .onConflict((oc) => oc.column('room_id').doNothing())
          .execute()
        continue
      }
      if (fact.type === 'peer_connected' || fact.type === 'peer_disconnected') {
        // The bot is in the room while at least one peer is connected to it.
        const delta = fact.type === 'peer_connected' ? 1 : -1
        await tx
          .updateTable('room_overview')
          .set({
            ...common,
            peers: sql<number>`greatest(peers + ${delta}, 0)`,
            bot_status: sql<string>`case when peers + ${delta} > 0 then 'active' else 'idle' end`,
          })
          .where('room_id', '=', room_id)
          .where('version', '<', version)
          .execute()
        continue
      }
      const sequence = fact.type === 'phase_changed' ? fact.new_sequence : 'sequence' in fact ? fact.sequence : undefined
      await tx
        .updateTable('room_overview')
        .set({ ...common, ...(stateAfter(fact) ? { state: stateAfter(fact) } : {}), ...(sequence === undefined ? {} : { current_sequence: sequence }) })
        .where('room_id', '=', room_id)
        .where('version', '<', version)
        .execute()
    }
  },
}
