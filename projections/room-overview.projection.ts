import { sql } from 'kysely'
import type { Projection } from './projection'
import { byRoom, stateAfter } from './projection'

/** Seen from a row's `peers` before the batch: `greatest(peers + add, floor)` (see {@link peersAfter}). */
interface PeersChange {
  add: number
  floor: number
}

/**
 * Each peer fact moves `peers` by ±1, never below 0: p ↦ max(p + d, 0). Such steps compose into
 * one p ↦ max(p + add, floor), so a batch's peer facts for a room become one exact update.
 */
function peersAfter(change: PeersChange | undefined, delta: number): PeersChange {
  const { add, floor } = change ?? { add: 0, floor: Number.NEGATIVE_INFINITY }
  return { add: add + delta, floor: Math.max(floor + delta, 0) }
}

/** Rooms with their live connections: behind GET /api/connections/status. */
export const roomOverviewProjection: Projection = {
  name: 'room_overview',
  tables: ['room_overview'],
  handles: ['room_opened', 'phase_started', 'phase_changed', 'timer_paused', 'timer_resumed', 'timer_reset', 'interview_completed', 'peer_connected', 'peer_disconnected'],
  // One insert for the batch's new rooms and one update for every room's later facts, folded.
  async apply(tx, facts) {
    const { opened, later } = byRoom(facts)
    if (opened.length > 0) {
      await tx
        .insertInto('room_overview')
        .values(opened.map(({ room_id, version, fact }) => ({ room_id, owner_id: fact.owner_id, state: 'ready', current_sequence: fact.phases[0]?.sequence ?? null, last_event_type: fact.type, last_event_at: new Date(fact.at), version })))
        .onConflict((oc) => oc.column('room_id').doNothing())
        .execute()
    }
    if (later.length === 0) return
    const rows = later.map(({ room_id, facts }) => {
      let state: string | undefined
      let sequence: number | undefined
      let peers: PeersChange | undefined
      for (const { fact } of facts) {
        state = stateAfter(fact) ?? state
        if (fact.type === 'phase_changed') sequence = fact.new_sequence
        else if ('sequence' in fact) sequence = fact.sequence ?? sequence
        if (fact.type === 'peer_connected' || fact.type === 'peer_disconnected') peers = peersAfter(peers, fact.type === 'peer_connected' ? 1 : -1)
      }
      const last = facts[facts.length - 1]!
      return { room_id, first: facts[0]!.version, version: last.version, type: last.fact.type, at: last.fact.at, state, sequence, peers }
    })
    const peersNow = sql`greatest(o.peers + v.peers_add, v.peers_floor)`
    await sql`
      update room_overview o
         set last_event_type = v.type, last_event_at = v.at, version = v.version,
             state = coalesce(v.state, o.state), current_sequence = coalesce(v.sequence, o.current_sequence),
             peers = case when v.peers_add is null then o.peers else ${peersNow} end,
             bot_status = case when v.peers_add is null then o.bot_status when ${peersNow} > 0 then 'active' else 'idle' end
        from unnest(${rows.map((r) => r.room_id)}::text[], ${rows.map((r) => r.first)}::int[], ${rows.map((r) => r.version)}::int[], ${rows.map((r) => r.type)}::text[],
                    ${rows.map((r) => r.at)}::timestamptz[], ${rows.map((r) => r.state ?? null)}::text[], ${rows.map((r) => r.sequence ?? null)}::int[],
                    ${rows.map((r) => r.peers?.add ?? null)}::int[], ${rows.map((r) => r.peers?.floor ?? null)}::int[])
             as v(room_id, first_version, version, type, at, state, sequence, peers_add, peers_floor)
       where o.room_id = v.room_id and o.version < v.first_version`.execute(tx)
  },
}
