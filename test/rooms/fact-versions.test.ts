import { expect } from 'chai'
import { sql } from 'kysely'
import { readStream } from '../../src/event-store'
import { currentFactVersion, FactReadError, UPCASTERS } from '../../src/rooms/fact-versions'
import { eventOf, factOf, roomStream } from '../../src/rooms/room-facts.schema'
import { MACHINE_VERSION, ROOM_FACT_TYPES, type RoomFact } from '../../machines/interview-room'
import { ctx } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'
import { createPlan, openRoom, roomCommand, roomPath, runningRoom, timerStatus } from '../support/rooms'
import { dataOf, named, openSse } from '../support/sse'

const AT = '2026-01-01T09:00:00.000Z'
const openedV1 = { room_id: 'r1', session_id: 's1', owner_id: 'u1', title: 'T', phases: [], warning_fraction: 0.8, at: AT }

function readError(read: () => unknown): FactReadError {
  try {
    read()
  } catch (error) {
    expect(error).to.be.instanceOf(FactReadError)
    return error as FactReadError
  }
  throw new Error('expected a FactReadError')
}

describe('fact versions: upcasting on read, the current version on write', () => {
  it('numbers each fact type by its upcasters: room_opened is at v2, the others at v1', () => {
    expect(currentFactVersion('room_opened')).to.equal(2)
    for (const type of ROOM_FACT_TYPES) expect(currentFactVersion(type)).to.equal(1 + (UPCASTERS[type]?.length ?? 0))
  })

  it('reads a room_opened stored before versions (no schema_version) as v2 with plan_id null', () => {
    expect(factOf({ type: 'room_opened', data: openedV1, metadata: { user_id: 'u1' } })).to.deep.equal({ type: 'room_opened', ...openedV1, plan_id: null })
    expect(factOf({ type: 'room_opened', data: openedV1, schema_version: null })).to.include({ plan_id: null })
  })

  it('reads a v2 room_opened as stored', () => {
    expect(factOf({ type: 'room_opened', data: { ...openedV1, plan_id: 'p1' }, metadata: { schema_version: 2 } })).to.include({ plan_id: 'p1' })
  })

  it('writes each fact with its current schema version and the machine version', () => {
    const fact: RoomFact = { type: 'room_opened', ...openedV1, plan_id: 'p1' }
    const event = eventOf(fact, { user_id: 'u1' })
    expect(event).to.deep.equal({ type: 'room_opened', data: { ...openedV1, plan_id: 'p1' }, metadata: { user_id: 'u1', schema_version: 2, machine_version: MACHINE_VERSION } })
    expect(eventOf({ type: 'timer_paused', sequence: 1, remaining_ms: 5, at: AT }).metadata).to.include({ schema_version: 1 })
  })

  it('names the version step that refuses a payload', () => {
    const error = readError(() => factOf({ type: 'room_opened', data: { title: 'no room id' }, stream_position: 1 }))
    expect(error.failure).to.include({ type: 'room_opened', storedVersion: 1, failedAt: 1, stage: 'upcast', position: 1 })
    expect(error.status).to.equal(503)
    const invalid = readError(() => factOf({ type: 'timer_paused', data: { sequence: 1, at: AT }, metadata: { schema_version: 1 } }))
    expect(invalid.failure).to.include({ stage: 'schema', failedAt: 1 })
    expect(invalid.message).to.include('remaining_ms')
  })

  describe('facts written by newer code (a rolling deploy)', () => {
    it('reads a newer version that still parses as today’s, ignoring the fields it does not know', () => {
      const fact = factOf({ type: 'timer_paused', data: { sequence: 1, remaining_ms: 5, at: AT, paused_by: 'bot' }, metadata: { schema_version: 9 } })
      expect(fact).to.deep.equal({ type: 'timer_paused', sequence: 1, remaining_ms: 5, at: AT })
    })

    it('refuses a newer version it cannot read, and a fact type it does not know, as written by newer code', () => {
      const newer = readError(() => factOf({ type: 'timer_paused', data: { sequence: 1, remaining: { ms: 5 }, at: AT }, metadata: { schema_version: 2 } }))
      expect(newer.failure).to.include({ stage: 'newer', storedVersion: 2, failedAt: 1 })
      const unknown = readError(() => factOf({ type: 'speaking_time_recorded', data: { at: AT }, metadata: { schema_version: 1 } }))
      expect(unknown.failure).to.include({ stage: 'newer', type: 'speaking_time_recorded' })
    })
  })
})

describe('rooms and fact versions over HTTP', () => {
  let user: TestUser
  before(async () => {
    user = await newUser('versions')
  })

  const stored = (roomId: string) => readStream(ctx().database.db, roomStream(roomId))

  it('stores room_opened at v2 with the plan it came from, and every fact with the machine version', async () => {
    const plan = await createPlan(user)
    const reply = await api('POST', '/api/start-interview', { token: user.token, body: { room_id: `v-${plan.id.slice(0, 8)}`, mock_interview_id: plan.id } })
    expect(reply.status, reply.text).to.equal(201)
    const [opened] = await stored(reply.body.room_id)
    expect(opened!.data).to.include({ plan_id: plan.id })
    expect(opened!.metadata).to.include({ schema_version: 2, machine_version: MACHINE_VERSION })
    const inline = await openRoom(user)
    expect((await stored(inline.roomId))[0]!.data).to.include({ plan_id: null })
  })

  it('streams a fact stored by an older schema version in today’s shape, as history reads it', async () => {
    const { roomId } = await openRoom(user)
    // As the release before versions stored it: no plan_id, no schema_version.
    await sql`update events set data = data - 'plan_id', metadata = metadata - 'schema_version' where stream_id = ${roomStream(roomId)} and stream_position = 1`.execute(ctx().database.db)
    const sse = await openSse(`${ctx().url}${roomPath(roomId, 'events')}`, { token: user.token, lastEventId: 0 })
    try {
      const opened = dataOf(await sse.next(named('room_opened'), 5_000))
      expect(opened).to.include({ room_id: roomId, version: 1, plan_id: null })
    } finally {
      sse.close()
    }
  })

  /** Appends at the room's next version what newer code would have written, and moves its status row on as that code would. */
  async function appendAsNewerCode(roomId: string, type: string, data: unknown, schemaVersion: number): Promise<number> {
    const { db } = ctx().database
    const next = (await stored(roomId)).length + 1
    await sql`insert into events (stream_id, stream_position, type, data, metadata)
              values (${roomStream(roomId)}, ${next}, ${type}, ${JSON.stringify(data)}::jsonb, ${JSON.stringify({ schema_version: schemaVersion, machine_version: MACHINE_VERSION })}::jsonb)`.execute(db)
    await db.updateTable('room_status').set({ version: next }).where('room_id', '=', roomId).execute()
    return next
  }

  it('as the older process in a rolling deploy: serves a room whose newer facts it can read', async () => {
    const { roomId } = await runningRoom(user)
    await appendAsNewerCode(roomId, 'problem_injected', { problem_id: 'p', problem_text: 'x', problem_type: null, difficulty: null, source: 'llm', at: new Date().toISOString() }, 7)
    const paused = await roomCommand(user, roomId, 'timer/pause')
    expect(paused.status, paused.text).to.equal(200)
    expect(paused.body.version).to.equal(4)
  })

  it('as the older process: a newer fact it cannot read is streamed as stored, replays of it answer 503, commands go on from the same machine version’s status row', async () => {
    const { roomId } = await runningRoom(user)
    const position = await appendAsNewerCode(roomId, 'speaking_time_recorded', { pc_id: 'pc', seconds: 3, at: new Date().toISOString() }, 1)
    const sse = await openSse(`${ctx().url}${roomPath(roomId, 'events')}`, { token: user.token, lastEventId: 1 })
    try {
      expect(Number((await sse.next(named('speaking_time_recorded'), 5_000)).id)).to.equal(position)
    } finally {
      sse.close()
    }
    const history = await api('GET', roomPath(roomId, 'history'), { token: user.token })
    expect(history.status).to.equal(503)
    expect(history.body.error.details).to.include({ type: 'speaking_time_recorded', stage: 'newer', position })
    // Its cached room is behind: the append conflicts, and the room is reloaded from the status row
    // the newer code wrote with the same machine version, which already holds the fact.
    const paused = await roomCommand(user, roomId, 'timer/pause')
    expect(paused.status, paused.text).to.equal(200)
    expect(paused.body.version).to.equal(position + 1)
  })

  it('as the older process: a room whose status row a newer machine version wrote answers 503 with Retry-After and nothing is written', async () => {
    const { roomId } = await runningRoom(user)
    const position = await appendAsNewerCode(roomId, 'speaking_time_recorded', { pc_id: 'pc', seconds: 3, at: new Date().toISOString() }, 1)
    await sql`update room_status set snapshot = jsonb_set(snapshot, '{machine_version}', ${String(MACHINE_VERSION + 1)}::jsonb) where room_id = ${roomId}`.execute(ctx().database.db)
    const paused = await roomCommand(user, roomId, 'timer/pause')
    expect(paused.status, paused.text).to.equal(503)
    expect(paused.headers.get('retry-after')).to.equal('1')
    expect(paused.body.error).to.include({ code: 'room_unreadable' })
    expect(paused.body.error.details).to.include({ type: 'speaking_time_recorded', stage: 'newer', position })
    expect((await stored(roomId)).length).to.equal(position)
    expect((await timerStatus(user, roomId)).status).to.equal(503)
  })
})
