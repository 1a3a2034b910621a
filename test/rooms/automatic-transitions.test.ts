import { expect } from 'chai'
import { api, newUser, type TestUser } from '../support/http'
import { openRoom, phaseBody, roomCommand, roomPath, waitForState } from '../support/rooms'

interface Entry {
  version: number
  type: string
  at: string
  recorded_at: string
  data: Record<string, any>
  metadata: Record<string, any>
  state: string
  state_value: string
  status: Record<string, any>
}

const history = async (user: TestUser, roomId: string, query = ''): Promise<Entry[]> => {
  const reply = await api('GET', roomPath(roomId, `history${query}`), { token: user.token })
  expect(reply.status, reply.text).to.equal(200)
  return reply.body.events
}

const one = (events: Entry[], type: string) => {
  const found = events.filter((e) => e.type === type)
  expect(found, `${type} in ${events.map((e) => e.type)}`).to.have.length(1)
  return found[0]!
}

/** Two 1.2-second phases at sequences 3 and 7, started, run to completion by the timers. */
async function completedByTimers(user: TestUser, extra: Record<string, unknown> = {}) {
  const { roomId } = await openRoom(user, [phaseBody(7, 0.02), phaseBody(3, 0.02)], extra)
  await roomCommand(user, roomId, 'timer/start')
  const status = await waitForState(user, roomId, 'completed', 10_000)
  return { roomId, status, events: await history(user, roomId) }
}

describe('automatic phase transitions', () => {
  let user: TestUser
  beforeEach(async () => {
    user = await newUser('auto')
  })

  it('moves to the next sequence when a phase runs out, then completes after the last', async () => {
    const { status, events } = await completedByTimers(user, { warning_fraction: null })
    expect(events.map((e) => e.type)).to.deep.equal(['room_opened', 'phase_started', 'phase_changed', 'interview_completed'])
    expect(one(events, 'phase_changed').data).to.include({ previous_sequence: 3, new_sequence: 7, reason: 'timer', transition_count: 1 })
    expect(one(events, 'interview_completed').data).to.include({ reason: 'timer', total_transitions: 1, total_planner_fields: 2 })
    expect(status.timer_status).to.include({ current_sequence: 7, transition_count: 1, remaining_time_seconds: 0 })
    expect(status.version).to.equal(4)
  })

  it("dates each timer fact at the deadline it was due, and records how late it fired", async () => {
    const { events } = await completedByTimers(user, { warning_fraction: null })
    const started = one(events, 'phase_started')
    const changed = one(events, 'phase_changed')
    const completed = one(events, 'interview_completed')
    expect(changed.at).to.equal(started.data.deadline)
    expect(completed.at).to.equal(changed.data.deadline)
    expect(Date.parse(changed.data.deadline) - Date.parse(changed.at)).to.equal(1_200)
    for (const fact of [changed, completed]) {
      expect(fact.data.late_ms, fact.type).to.be.a('number').and.at.least(0).and.below(5_000)
      expect(fact.data.at).to.equal(fact.at)
      expect(Date.parse(fact.recorded_at)).to.be.at.least(Date.parse(fact.at))
      expect(fact.metadata.causation).to.equal('timer:deadline')
    }
    expect(started.data.late_ms).to.equal(undefined)
  })

  it('gives a phase_warning at 80% of each phase, dated when due and with late_ms', async () => {
    const { events } = await completedByTimers(user)
    const warnings = events.filter((e) => e.type === 'phase_warning')
    expect(warnings.map((w) => w.data.sequence)).to.deep.equal([3, 7])
    const deadlines = [one(events, 'phase_started').data.deadline, one(events, 'phase_changed').data.deadline]
    warnings.forEach((warning, i) => {
      expect(Date.parse(deadlines[i]) - Date.parse(warning.at)).to.equal(240)
      expect(warning.data).to.include({ remaining_ms: 240 })
      expect(warning.data.late_ms).to.be.a('number').and.at.least(0)
      expect(warning.state).to.equal('running')
    })
  })
})

describe('GET /api/interview/{room_id}/history', () => {
  it('lists every event, gapless, with the machine state and status after it', async () => {
    const user = await newUser('history')
    const { roomId } = await openRoom(user, [phaseBody(3, 0.02), phaseBody(7, 0.02)], { warning_fraction: null })
    await roomCommand(user, roomId, 'timer/start')
    await waitForState(user, roomId, 'completed', 10_000)
    const events = await history(user, roomId)
    expect(events.map((e) => e.version)).to.deep.equal([1, 2, 3, 4])
    expect(events.map((e) => [e.type, e.state, e.state_value, e.status.current_sequence])).to.deep.equal([
      ['room_opened', 'ready', 'ready', 3],
      ['phase_started', 'running', 'in_progress.running', 3],
      ['phase_changed', 'running', 'in_progress.running', 7],
      ['interview_completed', 'completed', 'completed', 7],
    ])
    expect(events[1]!.status).to.include({ is_running: true, remaining_time_seconds: 1.2 })
    expect(events[0]!.metadata).to.include({ user_id: user.id })
  })

  it('pages with from_version and limit', async () => {
    const user = await newUser('history')
    const { roomId } = await openRoom(user)
    for (const suffix of ['timer/start', 'timer/pause', 'timer/resume', 'end']) await roomCommand(user, roomId, suffix)
    const page = await history(user, roomId, '?from_version=3&limit=2')
    expect(page.map((e) => [e.version, e.type, e.state])).to.deep.equal([
      [3, 'timer_paused', 'paused'],
      [4, 'timer_resumed', 'running'],
    ])
  })

  it('returns 400 naming the field for a from_version of 0 or a limit above 10000', async () => {
    const user = await newUser('history')
    const { roomId } = await openRoom(user)
    for (const [query, path] of [['?from_version=0', 'from_version'], ['?limit=10001', 'limit'], ['?limit=x', 'limit']]) {
      const reply = await api('GET', roomPath(roomId, `history${query}`), { token: user.token })
      expect(reply.status, query).to.equal(400)
      expect(reply.body.error.details.map((d: { path: string }) => d.path.replace(/^query\./, ''))).to.include(path)
    }
  })
})
