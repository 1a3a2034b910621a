import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { projections, type ProjectedFact, type Projection } from '../../projections'
import type { RoomFact } from '../../machines/interview-room'
import { ctx } from '../support/context'

const db = () => ctx().database.db
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString()
const phase = (sequence: number) => ({ sequence, question_id: `q${sequence}`, question_type: null, question_text: null, duration_minutes: 10, instructions: '' })

/** One room's life with every fact the projections fold, peers dropping to 0 and below (clamped). */
function history(roomId: string): RoomFact[] {
  const started = { question_id: 'q1', question_type: null, duration_minutes: 10, instructions: '', deadline: at(11) }
  return [
    { type: 'room_opened', room_id: roomId, session_id: randomUUID(), owner_id: randomUUID(), title: 'batch', phases: [phase(1), phase(2)], warning_fraction: null, plan_id: null, at: at(0) },
    { type: 'peer_disconnected', pc_id: 'a', reason: 'closed', at: at(0) },
    { type: 'peer_connected', pc_id: 'b', at: at(0) },
    { type: 'phase_started', sequence: 1, ...started, at: at(1) },
    { type: 'problem_injected', problem_id: 'p1', problem_text: 'x', problem_type: null, difficulty: null, at: at(2) },
    { type: 'timer_paused', sequence: 1, remaining_ms: 1000, at: at(3) },
    { type: 'peer_connected', pc_id: 'c', at: at(3) },
    { type: 'peer_disconnected', pc_id: 'b', reason: 'closed', at: at(4) },
    { type: 'timer_resumed', sequence: 1, remaining_ms: 1000, deadline: at(12), at: at(5) },
    { type: 'problem_injected', problem_id: 'p2', problem_text: 'y', problem_type: null, difficulty: null, at: at(6) },
    { type: 'phase_changed', previous_sequence: 1, new_sequence: 2, question_id: 'q2', question_type: null, duration_minutes: 10, instructions: '', transition_count: 1, reason: 'skip', deadline: at(17), late_ms: 0, at: at(7) },
    { type: 'interview_completed', reason: 'ended', total_transitions: 1, session_duration_seconds: 480, session_duration_minutes: 8, total_planner_fields: 0, late_ms: 0, at: at(9) },
    { type: 'timer_reset', scope: 'interview', sequence: 1, deadline: null, at: at(10) },
    { type: 'phase_started', sequence: 1, ...started, at: at(11) },
    { type: 'peer_disconnected', pc_id: 'c', reason: 'closed', at: at(12) },
    { type: 'peer_disconnected', pc_id: 'c', reason: 'closed', at: at(12) },
    { type: 'peer_connected', pc_id: 'd', at: at(13) },
  ] as RoomFact[]
}

const projected = (roomId: string, facts: RoomFact[], projection: Projection): ProjectedFact[] =>
  facts
    .map((fact, i) => ({ room_id: roomId, version: i + 1, recorded_at: new Date(fact.at), fact }))
    .filter(({ fact }) => (projection.handles as readonly string[]).includes(fact.type))

async function rowOf(projection: Projection, roomId: string): Promise<Record<string, unknown>> {
  const table = projection.tables[0]!
  const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)} where room_id = ${roomId}`.execute(db())
  const { room_id: _, owner_id: __, ...rest } = rows[0]!
  return rest
}

describe('async projections applied in batches', () => {
  for (const projection of Object.values(projections)) {
    it(`${projection.name}: a batch holding a room's whole history gives the rows that applying it fact by fact gives`, async () => {
      const [whole, oneByOne, split] = [randomUUID(), randomUUID(), randomUUID()].map((id) => `batch-${id}`) as [string, string, string]
      await db().transaction().execute((tx) => projection.apply(tx, projected(whole, history(whole), projection)))
      for (const fact of projected(oneByOne, history(oneByOne), projection)) await db().transaction().execute((tx) => projection.apply(tx, [fact]))
      // Two rooms interleaved in batches cut at arbitrary points, as log pages are.
      const facts = projected(split, history(split), projection)
      for (const [from, to] of [[0, 2], [2, 7], [7, facts.length]] as const) await db().transaction().execute((tx) => projection.apply(tx, facts.slice(from, to)))
      const expected = await rowOf(projection, oneByOne)
      expect(await rowOf(projection, whole)).to.deep.equal(expected)
      expect(await rowOf(projection, split)).to.deep.equal(expected)
    })

    it(`${projection.name}: a batch applied again changes nothing (its rows are already at its versions)`, async () => {
      const roomId = `batch-${randomUUID()}`
      const facts = projected(roomId, history(roomId), projection)
      await db().transaction().execute((tx) => projection.apply(tx, facts))
      const once = await rowOf(projection, roomId)
      await db().transaction().execute((tx) => projection.apply(tx, facts))
      await db().transaction().execute((tx) => projection.apply(tx, facts.slice(3)))
      expect(await rowOf(projection, roomId)).to.deep.equal(once)
    })
  }

  it('room_overview folds peers exactly: a disconnect at 0 peers stays at 0, and the bot is active while any peer is in', async () => {
    const roomId = `batch-${randomUUID()}`
    const projection = projections.room_overview!
    await db().transaction().execute((tx) => projection.apply(tx, projected(roomId, history(roomId), projection)))
    const row = await rowOf(projection, roomId)
    expect(row).to.include({ peers: 1, bot_status: 'active', state: 'running', current_sequence: 1, last_event_type: 'peer_connected', version: 17 })
  })

  it('user_rooms keeps the first start, counts every problem and keeps the completion across a reset', async () => {
    const roomId = `batch-${randomUUID()}`
    const projection = projections.user_rooms!
    await db().transaction().execute((tx) => projection.apply(tx, projected(roomId, history(roomId), projection)))
    const row = await rowOf(projection, roomId)
    expect(row).to.include({ state: 'running', problems_injected: 2, session_duration_seconds: 480, version: 14 })
    expect((row.started_at as Date).toISOString()).to.equal(at(1))
    expect((row.completed_at as Date).toISOString()).to.equal(at(9))
  })
})
