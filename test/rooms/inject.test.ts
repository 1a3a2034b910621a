import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { api, newUser, type TestUser } from '../support/http'
import { expectFieldError, expectRefused, openRoom, roomCommand, roomPath, runningRoom, storedEvents, timerStatus } from '../support/rooms'

const PROBLEM = '/api/inject-problem'
const CONTEXT = '/api/inject-custom-context'

const lastEvent = async (user: TestUser, roomId: string) => {
  const events = (await api('GET', roomPath(roomId, 'history'), { token: user.token })).body.events
  return events[events.length - 1]
}

describe('POST /api/inject-problem', () => {
  let user: TestUser
  beforeEach(async () => {
    user = await newUser('injector')
  })

  it('stores the problem as a fact and answers {success, problem_id}', async () => {
    const { roomId } = await runningRoom(user)
    const body = { room_id: roomId, problem_text: 'Reverse a linked list', problem_type: 'coding', difficulty: 'easy' }
    const reply = await api('POST', PROBLEM, { token: user.token, body })
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body).to.include({ success: true, room_id: roomId, version: 3 })
    expect(reply.body.problem_id).to.match(/^[0-9a-f-]{36}$/)
    const event = await lastEvent(user, roomId)
    expect(event).to.include({ version: 3, type: 'problem_injected', state: 'running' })
    expect(event.data).to.include({ problem_id: reply.body.problem_id, problem_text: 'Reverse a linked list', problem_type: 'coding', difficulty: 'easy' })
    const status = await timerStatus(user, roomId)
    expect(status.body.interview_context.injected).to.deep.equal([
      { id: reply.body.problem_id, kind: 'problem', text: 'Reverse a linked list', type: 'coding', difficulty: 'easy', at: event.at },
    ])
  })

  it('stores null for the optional problem_type and difficulty', async () => {
    const { roomId } = await openRoom(user)
    const reply = await api('POST', PROBLEM, { token: user.token, body: { room_id: roomId, problem_text: 'FizzBuzz' } })
    expect(reply.status, reply.text).to.equal(200)
    expect((await lastEvent(user, roomId)).data).to.include({ problem_type: null, difficulty: null })
  })

  it('leaves the state and a paused clock alone', async () => {
    const { roomId } = await runningRoom(user)
    const paused = (await roomCommand(user, roomId, 'timer/pause')).body.timer_status.remaining_time_seconds
    await api('POST', PROBLEM, { token: user.token, body: { room_id: roomId, problem_text: 'Two sum' } })
    const status = (await timerStatus(user, roomId)).body
    expect(status.state).to.equal('paused')
    expect(status.timer_status.remaining_time_seconds).to.equal(paused)
  })

  it('ignores problem_id and at in the body (no mass assignment)', async () => {
    const { roomId } = await openRoom(user)
    const problemId = randomUUID()
    const reply = await api('POST', PROBLEM, { token: user.token, body: { room_id: roomId, problem_text: 'X', problem_id: problemId, at: '2000-01-01T00:00:00Z' } })
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body.problem_id).to.not.equal(problemId)
    expect((await lastEvent(user, roomId)).at.startsWith('2000')).to.equal(false)
  })

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ['a missing problem_text', {}, 'problem_text'],
    ['a blank problem_text', { problem_text: '  ' }, 'problem_text'],
    ['a problem_text over 20000 characters', { problem_text: 'x'.repeat(20_001) }, 'problem_text'],
    ['a problem_type over 100 characters', { problem_text: 'x', problem_type: 't'.repeat(101) }, 'problem_type'],
    ['a difficulty over 50 characters', { problem_text: 'x', difficulty: 'd'.repeat(51) }, 'difficulty'],
    ['a numeric difficulty', { problem_text: 'x', difficulty: 3 }, 'difficulty'],
  ]
  for (const [what, fields, path] of invalid) {
    it(`returns 400 naming ${path} for ${what}, and appends nothing`, async () => {
      const { roomId } = await openRoom(user)
      expectFieldError(await api('POST', PROBLEM, { token: user.token, body: { room_id: roomId, ...fields } }), path)
      expect(await storedEvents(roomId)).to.equal(1)
    })
  }

  it('returns 400 naming room_id when it is missing or malformed', async () => {
    expectFieldError(await api('POST', PROBLEM, { token: user.token, body: { problem_text: 'x' } }), 'room_id')
    expectFieldError(await api('POST', PROBLEM, { token: user.token, body: { room_id: 'a/b', problem_text: 'x' } }), 'room_id')
  })

  it("returns 404 for another user's room and 409 for a completed one", async () => {
    const { roomId } = await openRoom(user)
    const other = await newUser('other')
    expect((await api('POST', PROBLEM, { token: other.token, body: { room_id: roomId, problem_text: 'x' } })).status).to.equal(404)
    await roomCommand(user, roomId, 'end')
    expectRefused(await api('POST', PROBLEM, { token: user.token, body: { room_id: roomId, problem_text: 'x' } }), 'completed', [])
    expect(await storedEvents(roomId)).to.equal(2)
  })
})

describe('POST /api/inject-custom-context', () => {
  let user: TestUser
  beforeEach(async () => {
    user = await newUser('context')
  })

  it('stores the context as a fact and answers {success, context_id}', async () => {
    const { roomId } = await openRoom(user)
    const reply = await api('POST', CONTEXT, { token: user.token, body: { room_id: roomId, context_text: 'Candidate prefers Go', context_type: 'preference' } })
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body).to.include({ success: true, room_id: roomId, version: 2 })
    expect(reply.body.context_id).to.match(/^[0-9a-f-]{36}$/)
    const event = await lastEvent(user, roomId)
    expect(event).to.include({ type: 'context_injected', state: 'ready' })
    expect(event.data).to.include({ context_id: reply.body.context_id, context_text: 'Candidate prefers Go', context_type: 'preference' })
    const injected = (await timerStatus(user, roomId)).body.interview_context.injected
    expect(injected).to.have.length(1)
    expect(injected[0]).to.include({ id: reply.body.context_id, kind: 'context', text: 'Candidate prefers Go', type: 'preference', difficulty: null })
  })

  it('keeps problems and contexts in the order they were injected', async () => {
    const { roomId } = await runningRoom(user)
    const first = await api('POST', CONTEXT, { token: user.token, body: { room_id: roomId, context_text: 'first' } })
    const second = await api('POST', PROBLEM, { token: user.token, body: { room_id: roomId, problem_text: 'second' } })
    const injected = (await timerStatus(user, roomId)).body.interview_context.injected
    expect(injected.map((n: { id: string; kind: string }) => [n.kind, n.id])).to.deep.equal([
      ['context', first.body.context_id],
      ['problem', second.body.problem_id],
    ])
  })

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ['a missing context_text', {}, 'context_text'],
    ['a blank context_text', { context_text: '' }, 'context_text'],
    ['a context_type over 100 characters', { context_text: 'x', context_type: 't'.repeat(101) }, 'context_type'],
  ]
  for (const [what, fields, path] of invalid) {
    it(`returns 400 naming ${path} for ${what}, and appends nothing`, async () => {
      const { roomId } = await openRoom(user)
      expectFieldError(await api('POST', CONTEXT, { token: user.token, body: { room_id: roomId, ...fields } }), path)
      expect(await storedEvents(roomId)).to.equal(1)
    })
  }

  it("returns 404 for another user's room and 409 for a completed one", async () => {
    const { roomId } = await runningRoom(user)
    const other = await newUser('other')
    expect((await api('POST', CONTEXT, { token: other.token, body: { room_id: roomId, context_text: 'x' } })).status).to.equal(404)
    await roomCommand(user, roomId, 'end')
    expectRefused(await api('POST', CONTEXT, { token: user.token, body: { room_id: roomId, context_text: 'x' } }), 'completed', [])
  })
})
