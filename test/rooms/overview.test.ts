import { expect } from 'chai'
import { api, newAdmin, newUser, type TestUser } from '../support/http'
import { expectFieldError, openRoom, phaseBody, roomCommand, runningRoom, timerStatus, waitFor } from '../support/rooms'

const ids = (rooms: Array<{ room_id: string }>) => rooms.map((r) => r.room_id)

/** One room of `user` in each state: ready, running, paused, completed. */
async function roomsInEveryState(user: TestUser) {
  const ready = (await openRoom(user)).roomId
  await api('POST', '/api/inject-problem', { token: user.token, body: { room_id: ready, problem_text: 'Two sum' } })
  const running = (await runningRoom(user)).roomId
  const paused = (await runningRoom(user)).roomId
  await roomCommand(user, paused, 'timer/pause')
  const completed = (await runningRoom(user)).roomId
  await roomCommand(user, completed, 'end')
  return { ready, running, paused, completed }
}

describe('GET /api/status/{room_id}', () => {
  it('summarises the room: state, phase, deadline, version, connection and bot', async () => {
    const user = await newUser('summary')
    const { roomId, session_id } = await runningRoom(user, [phaseBody(4, 2), phaseBody(5, 1)])
    const reply = await api('GET', `/api/status/${roomId}`, { token: user.token })
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body).to.include({ success: true, room_id: roomId, session_id, owner_id: user.id, state: 'running', current_sequence: 4, version: 2 })
    expect(reply.body.remaining_time_seconds).to.be.within(119, 120)
    expect(Date.parse(reply.body.deadline)).to.be.greaterThan(Date.now())
    expect(reply.body.connection).to.deep.equal({ peers: 0, pc_ids: [] })
    expect(reply.body.bot).to.deep.equal({ status: 'idle' })
    expect(Date.parse(reply.body.updated_at)).to.be.at.least(Date.parse(reply.body.opened_at))
  })

  it('follows commands at once (it reads the inline projection)', async () => {
    const user = await newUser('summary')
    const { roomId } = await runningRoom(user)
    await roomCommand(user, roomId, 'phase/next')
    await roomCommand(user, roomId, 'timer/pause')
    const reply = await api('GET', `/api/status/${roomId}`, { token: user.token })
    expect(reply.body).to.include({ state: 'paused', current_sequence: 2, version: 4, deadline: null })
    expect(reply.body.remaining_time_seconds).to.be.within(599, 600)
  })
})

describe('GET /api/connections/status', () => {
  it("lists only the caller's open rooms, with the totals", async () => {
    const [user, other] = [await newUser('conn'), await newUser('other')]
    const mine = await roomsInEveryState(user)
    const theirs = (await openRoom(other)).roomId
    const pausedVersion: number = (await timerStatus(user, mine.paused)).body.version
    const body = await waitFor(async () => {
      const reply = await api('GET', '/api/connections/status', { token: user.token })
      const seen = ids(reply.body.rooms)
      // Before the completed room was opened, the list had these three rooms too: wait for the pause that came after.
      const pausedRow = reply.body.rooms.find((r: { room_id: string }) => r.room_id === mine.paused)
      return seen.length === 3 && [mine.ready, mine.running, mine.paused].every((id) => seen.includes(id)) && pausedRow.version >= pausedVersion && reply.body
    }, 10_000, "the caller's three open rooms, the pause folded")
    expect(ids(body.rooms)).to.not.include.members([mine.completed, theirs])
    expect(body).to.include({ success: true, total_rooms: 3, total_peers: 0, active_bots: 0 })
    expect(body.rooms.every((r: { owner_id: string }) => r.owner_id === user.id)).to.equal(true)
    const byId = Object.fromEntries(body.rooms.map((r: { room_id: string; state: string }) => [r.room_id, r]))
    expect(byId[mine.ready]).to.include({ state: 'ready', peers: 0, bot_status: 'idle', current_sequence: 1 })
    expect(byId[mine.running]).to.include({ state: 'running', last_event_type: 'phase_started' })
    expect(byId[mine.paused]).to.include({ state: 'paused', last_event_type: 'timer_paused' })
  })

  it('gives an admin every open room', async () => {
    const [user, admin] = [await newUser('conn'), await newAdmin()]
    const { roomId } = await openRoom(user)
    const body = await waitFor(async () => {
      const reply = await api('GET', '/api/connections/status', { token: admin.token })
      return ids(reply.body.rooms).includes(roomId) && reply.body
    }, 10_000, "another user's room in the admin's list")
    expect(body.total_rooms).to.equal(body.rooms.length)
    expect(body.rooms.find((r: { room_id: string }) => r.room_id === roomId)).to.include({ owner_id: user.id })
  })

  it('returns an empty list to a user without rooms, and 401 without a token', async () => {
    const user = await newUser('empty')
    const reply = await api('GET', '/api/connections/status', { token: user.token })
    expect(reply.body).to.deep.include({ success: true, total_rooms: 0, rooms: [] })
    expect((await api('GET', '/api/connections/status')).status).to.equal(401)
  })
})

describe('GET /api/interview/rooms', () => {
  let user: TestUser
  let rooms: Awaited<ReturnType<typeof roomsInEveryState>>

  before(async () => {
    user = await newUser('lister')
    rooms = await roomsInEveryState(user)
    // The list is a projection a moment behind the commands: wait until it has caught up.
    await waitFor(async () => {
      const reply = await api('GET', '/api/interview/rooms', { token: user.token })
      const state = Object.fromEntries(reply.body.rooms.map((r: { room_id: string; state: string }) => [r.room_id, r.state]))
      return Object.entries(rooms).every(([expected, id]) => state[id] === expected)
    }, 10_000, 'the room list to catch up')
  })

  it("lists the caller's rooms, newest first, with their state and counts", async () => {
    const reply = await api('GET', '/api/interview/rooms', { token: user.token })
    expect(reply.status).to.equal(200)
    expect(reply.body).to.include({ success: true, limit: 50, offset: 0 })
    expect(ids(reply.body.rooms)).to.deep.equal([rooms.completed, rooms.paused, rooms.running, rooms.ready])
    const completed = reply.body.rooms[0]
    expect(completed).to.include({ owner_id: user.id, state: 'completed', total_phases: 2, problems_injected: 0 })
    expect(completed.started_at).to.be.a('string')
    expect(completed.completed_at).to.be.a('string')
    expect(reply.body.rooms[3]).to.include({ room_id: rooms.ready, problems_injected: 1, started_at: null })
  })

  for (const state of ['ready', 'running', 'paused', 'completed'] as const) {
    it(`?state=${state} lists only the ${state} room`, async () => {
      const reply = await api('GET', `/api/interview/rooms?state=${state}`, { token: user.token })
      expect(reply.status).to.equal(200)
      expect(ids(reply.body.rooms)).to.deep.equal([rooms[state]])
    })
  }

  it('?state=open lists the ready, running and paused rooms', async () => {
    const reply = await api('GET', '/api/interview/rooms?state=open', { token: user.token })
    expect(ids(reply.body.rooms)).to.have.members([rooms.ready, rooms.running, rooms.paused])
  })

  it('pages with limit and offset', async () => {
    const reply = await api('GET', '/api/interview/rooms?limit=2&offset=1', { token: user.token })
    expect(reply.body).to.include({ limit: 2, offset: 1 })
    expect(ids(reply.body.rooms)).to.deep.equal([rooms.paused, rooms.running])
  })

  it("hides the caller's rooms from other users, and shows them to an admin", async () => {
    const [other, admin] = [await newUser('other'), await newAdmin()]
    expect((await api('GET', '/api/interview/rooms', { token: other.token })).body.rooms).to.deep.equal([])
    const all = await api('GET', '/api/interview/rooms?state=paused&limit=100', { token: admin.token })
    expect(ids(all.body.rooms)).to.include(rooms.paused)
  })

  const bad: Array<[string, string]> = [
    ['?state=finished', 'state'],
    ['?state=RUNNING', 'state'],
    ['?limit=0', 'limit'],
    ['?limit=101', 'limit'],
    ['?offset=-1', 'offset'],
  ]
  for (const [query, path] of bad) {
    it(`returns 400 naming ${path} for ${query}`, async () => {
      expectFieldError(await api('GET', `/api/interview/rooms${query}`, { token: user.token }), path)
    })
  }

  it('returns 401 without a token', async () => {
    expect((await api('GET', '/api/interview/rooms')).status).to.equal(401)
  })
})
