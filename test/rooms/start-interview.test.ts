import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { api, newAdmin, newUser, type TestUser } from '../support/http'
import { createPlan, expectFieldError, longPhases, newRoomId, openRoom, phaseBody, storedEvents, timerStatus } from '../support/rooms'

const START = '/api/start-interview'

describe('POST /api/start-interview', () => {
  let user: TestUser
  beforeEach(async () => {
    user = await newUser('candidate')
  })

  it('opens a room from inline phases: {success, room_id, session_id, version, status}, ready at the lowest sequence', async () => {
    const roomId = newRoomId()
    const phases = [phaseBody(9, 10), phaseBody(4, 0.5, { question_type: 'system_design' })]
    const reply = await api('POST', START, { token: user.token, body: { room_id: roomId, phases, title: 'Inline' } })
    expect(reply.status, reply.text).to.equal(201)
    expect(reply.body).to.include({ success: true, room_id: roomId, version: 1 })
    expect(reply.body.session_id).to.match(/^[0-9a-f-]{36}$/)
    const { status } = reply.body
    expect(status).to.include({ state: 'ready', state_value: 'ready' })
    expect(status.timer_status).to.include({ is_running: false, is_paused: false, current_sequence: 4, remaining_time_seconds: 30, elapsed_time_seconds: 0 })
    expect(status.timer_status).to.include({ interview_total_seconds: 630, deadline: null })
    expect(status.interview_context).to.deep.include({ title: 'Inline', total_planner_fields: 2 })
    expect(status.interview_context.current_planner).to.include({ sequence: 4, question_id: 'q4', duration: 0.5, question_type: 'system_design' })
    const got = await timerStatus(user, roomId)
    expect(got.body).to.include({ state: 'ready', version: 1, session_id: reply.body.session_id })
  })

  it('opens a room from a stored plan (mock_interview_id), taking its title and phases', async () => {
    const plan = await createPlan(user, { title: 'Stored loop', phases: [phaseBody(2, 3), phaseBody(1, 7)] })
    const roomId = newRoomId()
    const reply = await api('POST', START, { token: user.token, body: { room_id: roomId, mock_interview_id: plan.id } })
    expect(reply.status, reply.text).to.equal(201)
    expect(reply.body.status.interview_context).to.include({ title: 'Stored loop', total_planner_fields: 2 })
    expect(reply.body.status.timer_status).to.include({ current_sequence: 1, remaining_time_seconds: 420, interview_total_seconds: 600 })
  })

  it('accepts room ids of 1 and of 64 characters of letters, digits, _ and -', async () => {
    // Each test run has its own database, and no other test uses one-character ids.
    const short = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-'[Math.floor(Math.random() * 64)]!
    const long = `Ab_-9${randomUUID().replaceAll('-', '')}`.padEnd(64, 'z')
    for (const roomId of [short, long]) {
      const reply = await api('POST', START, { token: user.token, body: { room_id: roomId, phases: longPhases() } })
      expect(reply.status, `${roomId}: ${reply.text}`).to.equal(201)
      expect(reply.body.room_id).to.equal(roomId)
    }
  })

  const badRoomIds: Array<[string, unknown]> = [
    ['65 characters', 'r'.repeat(65)],
    ['an empty id', ''],
    ['a space', 'room one'],
    ['a slash', 'room/one'],
    ['a dot', 'room.one'],
    ['a number', 42],
  ]
  for (const [what, roomId] of badRoomIds) {
    it(`returns 400 naming room_id for ${what}, and opens nothing`, async () => {
      const reply = await api('POST', START, { token: user.token, body: { room_id: roomId, phases: longPhases() } })
      expectFieldError(reply, 'room_id')
      if (typeof roomId === 'string' && /^[\w-]+$/.test(roomId)) expect(await storedEvents(roomId)).to.equal(0)
    })
  }

  const badBodies: Array<[string, (planId: string) => Record<string, unknown>, string]> = [
    ['both phases and mock_interview_id', (planId) => ({ phases: longPhases(), mock_interview_id: planId }), 'phases'],
    ['neither phases nor mock_interview_id', () => ({}), 'mock_interview_id'],
    ['an unknown mock_interview_id', () => ({ mock_interview_id: randomUUID() }), 'mock_interview_id'],
    ['a mock_interview_id that is not a UUID', () => ({ mock_interview_id: 'plan-1' }), 'mock_interview_id'],
    ['an empty phase list', () => ({ phases: [] }), 'phases'],
    ['a duplicate sequence', () => ({ phases: [phaseBody(1, 1), phaseBody(1, 2)] }), 'phases.1.sequence'],
    ['a duration of 0', () => ({ phases: [phaseBody(1, 0)] }), 'phases.0.duration_minutes'],
    ['a duration above 600', () => ({ phases: [phaseBody(1, 601)] }), 'phases.0.duration_minutes'],
    ['a user_id that is not a UUID', () => ({ phases: longPhases(), user_id: 'me' }), 'user_id'],
    ['a warning_fraction of 1', () => ({ phases: longPhases(), warning_fraction: 1 }), 'warning_fraction'],
    ['a blank title', () => ({ phases: longPhases(), title: '  ' }), 'title'],
  ]
  for (const [what, body, path] of badBodies) {
    it(`returns 400 naming ${path} for ${what}, and opens nothing`, async () => {
      const plan = await createPlan(user)
      const roomId = newRoomId()
      const reply = await api('POST', START, { token: user.token, body: { room_id: roomId, ...body(plan.id) } })
      expectFieldError(reply, path)
      expect(await storedEvents(roomId)).to.equal(0)
    })
  }

  it('returns 409 for a room id that is already open, and leaves the room as it was', async () => {
    const { roomId, session_id } = await openRoom(user)
    const again = await api('POST', START, { token: user.token, body: { room_id: roomId, phases: [phaseBody(1, 1)] } })
    expect(again.status, again.text).to.equal(409)
    expect(again.body.error.details).to.include({ room_id: roomId })
    expect(await storedEvents(roomId)).to.equal(1)
    expect((await timerStatus(user, roomId)).body).to.include({ session_id, version: 1 })
  })

  it('opens a room once when two requests race for the same id: one 201, one 409', async () => {
    const roomId = newRoomId()
    const send = () => api('POST', START, { token: user.token, body: { room_id: roomId, phases: longPhases() } })
    const replies = await Promise.all([send(), send(), send()])
    expect(replies.map((r) => r.status).sort()).to.deep.equal([201, 409, 409])
    expect(await storedEvents(roomId)).to.equal(1)
  })

  it("returns 409 when another user's room has the id, without letting them touch it", async () => {
    const { roomId } = await openRoom(user)
    const other = await newUser('other')
    const reply = await api('POST', START, { token: other.token, body: { room_id: roomId, phases: longPhases() } })
    expect(reply.status).to.equal(409)
    expect((await timerStatus(other, roomId)).status).to.equal(404)
  })

  it("reveals nothing about another user's room in that 409: the same answer whatever its state", async () => {
    const other = await newUser('other')
    const { roomId: ready } = await openRoom(user)
    const { roomId: running } = await openRoom(user)
    expect((await api('POST', `/api/interview/${running}/timer/start`, { token: user.token })).status).to.equal(200)
    const answers = []
    for (const roomId of [ready, running]) {
      const reply = await api('POST', START, { token: other.token, body: { room_id: roomId, phases: longPhases() } })
      expect(reply.status, reply.text).to.equal(409)
      expect(reply.body.error.details).to.deep.equal({ room_id: roomId })
      expect(reply.text).to.not.match(/ready|running|in_progress|paused|completed/)
      answers.push(JSON.stringify({ ...reply.body.error, message: reply.body.error.message.replace(roomId, '<id>'), details: undefined }))
    }
    expect(answers[0]).to.equal(answers[1])
    // Its owner is still told the state of their own room.
    const own = await api('POST', START, { token: user.token, body: { room_id: running, phases: longPhases() } })
    expect(own.body.error.details).to.include({ state: 'running' })
  })

  it("refuses a room from another user's plan exactly as from an unknown plan, and opens nothing", async () => {
    const other = await newUser('other')
    const plan = await createPlan(other)
    const roomId = newRoomId()
    const theirs = await api('POST', START, { token: user.token, body: { room_id: roomId, mock_interview_id: plan.id } })
    const unknown = await api('POST', START, { token: user.token, body: { room_id: roomId, mock_interview_id: randomUUID() } })
    expectFieldError(theirs, 'mock_interview_id')
    expect(theirs.status).to.equal(unknown.status)
    expect(theirs.body.error).to.deep.equal(unknown.body.error)
    expect(theirs.text).to.not.include(plan.title)
    expect(await storedEvents(roomId)).to.equal(0)
    const admin = await newAdmin()
    const byAdmin = await api('POST', START, { token: admin.token, body: { room_id: newRoomId(), mock_interview_id: plan.id } })
    expect(byAdmin.status, byAdmin.text).to.equal(201)
  })

  it("returns 403 for someone else's user_id, and opens nothing", async () => {
    const other = await newUser('other')
    const roomId = newRoomId()
    const reply = await api('POST', START, { token: user.token, body: { room_id: roomId, phases: longPhases(), user_id: other.id } })
    expect(reply.status, reply.text).to.equal(403)
    expect(reply.body.error.code).to.equal('forbidden')
    expect(await storedEvents(roomId)).to.equal(0)
  })

  it('accepts the caller’s own user_id, in either letter case', async () => {
    for (const userId of [user.id, user.id.toUpperCase()]) {
      const reply = await api('POST', START, { token: user.token, body: { room_id: newRoomId(), phases: longPhases(), user_id: userId } })
      expect(reply.status, reply.text).to.equal(201)
    }
  })

  it('lets an admin open a room for another user, who then owns it and may run it', async () => {
    const admin = await newAdmin()
    for (const userId of [user.id, user.id.toUpperCase()]) {
      const roomId = newRoomId()
      const reply = await api('POST', START, { token: admin.token, body: { room_id: roomId, phases: longPhases(), user_id: userId } })
      expect(reply.status, reply.text).to.equal(201)
      expect((await timerStatus(user, roomId)).status).to.equal(200)
      expect((await api('GET', `/api/status/${roomId}`, { token: user.token })).body.owner_id).to.equal(user.id)
      expect((await api('POST', `/api/interview/${roomId}/timer/start`, { token: user.token })).status).to.equal(200)
    }
  })

  it('returns 400 naming user_id when an admin opens a room for a user that does not exist, and opens nothing', async () => {
    const admin = await newAdmin()
    const roomId = newRoomId()
    const reply = await api('POST', START, { token: admin.token, body: { room_id: roomId, phases: longPhases(), user_id: randomUUID() } })
    expectFieldError(reply, 'user_id')
    expect(await storedEvents(roomId)).to.equal(0)
  })

  it('ignores owner_id and session_id in the body (no mass assignment)', async () => {
    const other = await newUser('other')
    const roomId = newRoomId()
    const sessionId = randomUUID()
    const reply = await api('POST', START, { token: user.token, body: { room_id: roomId, phases: longPhases(), owner_id: other.id, session_id: sessionId } })
    expect(reply.status, reply.text).to.equal(201)
    expect(reply.body.session_id).to.not.equal(sessionId)
    expect((await timerStatus(other, roomId)).status).to.equal(404)
    expect((await api('GET', `/api/status/${roomId}`, { token: user.token })).body.owner_id).to.equal(user.id)
  })

  it('returns 401 without a token, and opens nothing', async () => {
    const roomId = newRoomId()
    const reply = await api('POST', START, { body: { room_id: roomId, phases: longPhases() } })
    expect(reply.status).to.equal(401)
    expect(await storedEvents(roomId)).to.equal(0)
  })
})
