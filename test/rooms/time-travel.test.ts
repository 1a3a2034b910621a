import { expect } from 'chai'
import { api, newUser, type TestUser } from '../support/http'
import { openRoom, phaseBody, roomCommand, roomPath, waitForState } from '../support/rooms'

const state = (user: TestUser, roomId: string, query: string) => api('GET', roomPath(roomId, `state${query}`), { token: user.token })

describe('GET /api/interview/{room_id}/state', () => {
  let user: TestUser
  let roomId: string
  let events: Array<{ version: number; type: string; at: string; state: string; data: Record<string, any>; status: Record<string, any> }>

  // One room run to completion by its timers: 3 (1.2 s) → 7 (1.2 s) → completed.
  before(async () => {
    user = await newUser('travel')
    roomId = (await openRoom(user, [phaseBody(3, 0.02), phaseBody(7, 0.02)], { warning_fraction: null })).roomId
    await roomCommand(user, roomId, 'timer/start')
    await waitForState(user, roomId, 'completed', 10_000)
    events = (await api('GET', roomPath(roomId, 'history'), { token: user.token })).body.events
  })

  it('?version=N gives the room as it was after each event, as the history says', async () => {
    expect(events).to.have.length(4)
    for (const event of events) {
      const reply = await state(user, roomId, `?version=${event.version}`)
      expect(reply.status, reply.text).to.equal(200)
      expect(reply.body).to.include({ success: true, room_id: roomId, version: event.version, at: event.at, state: event.state })
      expect(reply.body.timer_status).to.deep.equal(event.status)
    }
  })

  it('?at=<ISO time> gives the room at that moment, between two events', async () => {
    const changed = events.find((e) => e.type === 'phase_changed')!
    const at = new Date(Date.parse(changed.at) + 100).toISOString()
    const reply = await state(user, roomId, `?at=${at}`)
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body).to.include({ version: changed.version, at, state: 'running' })
    expect(reply.body.timer_status).to.include({ current_sequence: 7, remaining_time_seconds: 1.1, is_running: true })
  })

  it('?at= exactly an event’s time includes that event; a moment before does not', async () => {
    const changed = events.find((e) => e.type === 'phase_changed')!
    const exact = await state(user, roomId, `?at=${changed.at}`)
    expect(exact.body).to.include({ version: changed.version })
    const before = await state(user, roomId, `?at=${new Date(Date.parse(changed.at) - 1).toISOString()}`)
    expect(before.body).to.include({ version: changed.version - 1, state: 'running' })
    expect(before.body.timer_status).to.include({ current_sequence: 3, remaining_time_seconds: 0 })
  })

  it('?at= with a time zone offset is understood', async () => {
    const completed = events.at(-1)!
    const later = new Date(Date.parse(completed.at) + 60_000)
    const local = later.toISOString().replace('Z', '+00:00')
    const reply = await state(user, roomId, `?at=${encodeURIComponent(local)}`)
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body).to.include({ version: completed.version, state: 'completed' })
  })

  it('without a query gives the latest version', async () => {
    const reply = await state(user, roomId, '')
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body).to.include({ version: events.length, state: 'completed' })
  })

  it('returns 404 for a version beyond the head', async () => {
    const reply = await state(user, roomId, `?version=${events.length + 1}`)
    expect(reply.status, reply.text).to.equal(404)
    expect(reply.body.error.code).to.equal('not_found')
  })

  it('returns 400 for both version and at', async () => {
    const reply = await state(user, roomId, `?version=1&at=${encodeURIComponent(events[0]!.at)}`)
    expect(reply.status, reply.text).to.equal(400)
    expect(reply.body.error.code).to.equal('validation_error')
  })

  const bad: Array<[string, string]> = [
    ['?at=yesterday', 'at'],
    ['?at=2025-13-45T99:00:00Z', 'at'],
    ['?version=-1', 'version'],
    ['?version=two', 'version'],
    ['?version=1.5', 'version'],
  ]
  for (const [query, path] of bad) {
    it(`returns 400 naming ${path} for ${query}`, async () => {
      const reply = await state(user, roomId, query)
      expect(reply.status, reply.text).to.equal(400)
      expect(reply.body.error.details.map((d: { path: string }) => d.path.replace(/^query\./, ''))).to.include(path)
    })
  }
})
