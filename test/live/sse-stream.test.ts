import { expect } from 'chai'
import { api, newUser, type TestUser } from '../support/http'
import { dataOf, idsOf, named, openSse, refusedSse, withId, type SseClient } from '../support/sse'
import { command, eventsUrl, injectProblem, openRoom, phase, sleep } from './live.fixtures'

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i)

describe('GET /api/interview/:room_id/events', () => {
  let user: TestUser
  const open: SseClient[] = []
  const stream = async (roomId: string, options: Parameters<typeof openSse>[1] = {}, query = {}) => {
    const client = await openSse(eventsUrl(roomId, query), { token: user.token, ...options })
    open.push(client)
    return client
  }

  before(async () => {
    user = await newUser('sse')
  })
  afterEach(() => {
    for (const client of open.splice(0)) client.close()
  })

  it('starts with a retry hint and `connected` carrying the version and the same status as timer/status', async () => {
    const roomId = await openRoom(user)
    await command(user, roomId, 'timer/start')
    await command(user, roomId, 'timer/pause')
    const client = await stream(roomId)
    expect(client.status).to.equal(200)
    expect(client.headers['content-type']).to.match(/^text\/event-stream/)
    const connected = await client.next(named('connected'))
    expect(client.messages[0]!.retry, 'the first block is the retry hint').to.be.a('number')
    expect(client.messages.indexOf(connected), 'connected comes before any fact').to.equal(1)
    const status = await api('GET', `/api/interview/${roomId}/timer/status`, { token: user.token })
    const data = dataOf(connected)
    expect(data).to.have.keys('room_id', 'timestamp', 'version', 'status')
    expect(data.room_id).to.equal(roomId)
    expect(Date.parse(data.timestamp)).to.be.closeTo(Date.now(), 5_000)
    expect(data.version).to.equal(3)
    expect(connected.id, 'a fresh client continues from the version it was shown').to.equal('3')
    // Paused: the status does not move with the clock, so it must match exactly.
    expect(data.status).to.deep.equal(status.body)
    expect(data.status.state).to.equal('paused')
  })

  it('delivers phase facts live, in order, with the original payload fields and id = stream position, and stays open after completion', async function () {
    this.timeout(15_000)
    const roomId = await openRoom(user, [phase(1, 0.02), phase(2, 0.02)], { warning_fraction: null })
    const client = await stream(roomId)
    await client.next(named('connected'))
    await command(user, roomId, 'timer/start')
    const completed = await client.next(named('interview_completed'), 8_000)
    const facts = client.messages.filter((m) => m.id !== undefined && m.event !== 'connected')
    expect(facts.map((m) => m.event)).to.deep.equal(['phase_started', 'phase_changed', 'interview_completed'])
    expect(idsOf(facts)).to.deep.equal([2, 3, 4])

    const started = dataOf(facts[0]!)
    expect(started).to.include({ room_id: roomId, version: 2, sequence: 1, question_id: 'q1', duration_minutes: 0.02, instructions: 'ask about 1' })
    expect(Date.parse(started.timestamp)).to.be.a('number').and.not.NaN
    const changed = dataOf(facts[1]!)
    expect(changed).to.include({ new_sequence: 2, previous_sequence: 1, question_id: 'q2', duration_minutes: 0.02, instructions: 'ask about 2', transition_count: 1 })
    expect(Date.parse(changed.timestamp) - Date.parse(started.timestamp), 'the phase clock: 1.2 s later').to.equal(1_200)
    const done = dataOf(completed)
    // As in the original API: transitions are phase changes (3 phases → 2), completion is not one.
    expect(done).to.include({ total_transitions: 1, total_planner_fields: 2 })
    expect(Date.parse(done.timestamp) - Date.parse(started.timestamp), 'two phases of 1.2 s').to.equal(2_400)
    expect(done.session_duration_seconds, 'whole seconds, as the original').to.equal(2)

    await sleep(300)
    expect(client.isEnded(), 'the client decides when to leave').to.equal(false)
    const status = await api('GET', `/api/interview/${roomId}/timer/status`, { token: user.token })
    expect(status.body.state).to.equal('completed')
  })

  for (const via of ['Last-Event-ID header', '?last_event_id='] as const) {
    it(`resumes with the ${via}: exactly the events after N, then live`, async () => {
      const roomId = await openRoom(user)
      for (let i = 0; i < 5; i++) await injectProblem(user, roomId, `problem ${i}`)
      const client = via === '?last_event_id=' ? await stream(roomId, {}, { last_event_id: 3 }) : await stream(roomId, { lastEventId: 3 })
      const connected = await client.next(named('connected'))
      expect(dataOf(connected).version).to.equal(6)
      expect(connected.id, 'a resuming client keeps its Last-Event-ID until the backlog arrives').to.equal(undefined)
      await client.next(withId(6))
      const live = await injectProblem(user, roomId, 'live one')
      await client.next(withId(live))
      expect(idsOf(client.messages)).to.deep.equal([4, 5, 6, 7])
      expect(dataOf(client.messages.find(withId(4))!)).to.include({ problem_text: 'problem 2' })
    })
  }

  it('resumes from the head with nothing to replay, and from 0 with the whole stream', async () => {
    const roomId = await openRoom(user)
    await injectProblem(user, roomId)
    const fromHead = await stream(roomId, { lastEventId: 2 })
    const fromZero = await stream(roomId, { lastEventId: 0 })
    await fromZero.next(withId(2))
    const live = await injectProblem(user, roomId)
    await Promise.all([fromHead.next(withId(live)), fromZero.next(withId(live))])
    expect(idsOf(fromHead.messages)).to.deep.equal([3])
    expect(idsOf(fromZero.messages)).to.deep.equal([1, 2, 3])
    expect(fromZero.messages.find(withId(1))!.event).to.equal('room_opened')
  })

  it('refuses a malformed Last-Event-ID with 400 before the stream starts', async () => {
    const roomId = await openRoom(user)
    for (const bad of [{ lastEventId: 'abc' }, { lastEventId: '-1' }, { lastEventId: '1.5' }]) {
      const reply = await refusedSse(eventsUrl(roomId), { token: user.token, ...bad })
      expect(reply.status, JSON.stringify(bad)).to.equal(400)
      expect(reply.body.error.code).to.equal('validation_error')
    }
    const query = await refusedSse(eventsUrl(roomId, { last_event_id: 'x' }), { token: user.token })
    expect(query.status).to.equal(400)
    expect(query.body.error.details.map((d: { path: string }) => d.path).join()).to.include('last_event_id')
  })

  it('answers 404 with a JSON error for an unknown room and for another user’s room, before any stream', async () => {
    const other = await newUser('sse-other')
    const theirs = await openRoom(other)
    for (const roomId of ['live-no-such-room', theirs]) {
      const reply = await refusedSse(eventsUrl(roomId), { token: user.token })
      expect(reply.status, roomId).to.equal(404)
      expect(reply.contentType).to.match(/^application\/json/)
      expect(reply.body.error.code).to.equal('not_found')
      expect(reply.body.request_id).to.be.a('string')
    }
    const anonymous = await refusedSse(eventsUrl(theirs))
    expect(anonymous.status).to.equal(401)
  })

  it('keeps one client’s view exactly ordered while several clients watch the same room', async () => {
    const roomId = await openRoom(user)
    const clients = await Promise.all([stream(roomId), stream(roomId), stream(roomId, { lastEventId: 0 })])
    await Promise.all(clients.map((c) => c.next(named('connected'))))
    let head = 1
    for (let i = 0; i < 10; i++) head = await injectProblem(user, roomId, `p${i}`)
    await Promise.all(clients.map((c) => c.next(withId(head))))
    expect(idsOf(clients[0]!.messages)).to.deep.equal(range(2, head))
    expect(idsOf(clients[1]!.messages)).to.deep.equal(range(2, head))
    expect(idsOf(clients[2]!.messages)).to.deep.equal(range(1, head))
  })
})
