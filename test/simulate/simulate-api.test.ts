import { expect } from 'chai'
import { sql } from 'kysely'
import { ctx } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'
import { createPlan, expectFieldError, openRoom, phaseBody, roomCommand, storedEvents, waitFor } from '../support/rooms'

const SIMULATE = '/api/machines/interview-room/simulate'
const simulate = (body: unknown, token?: string) => api('POST', SIMULATE, { body, token })

/** One phase of 100 s and one of 50 s, warned at 80 %. */
const phases = [phaseBody(1, 100 / 60), phaseBody(2, 50 / 60)]

describe('POST /api/machines/{id}/simulate', () => {
  let user: TestUser
  before(async () => {
    user = await newUser('sim')
  })

  it('runs commands and clock advances from inline phases, firing warnings and deadlines in order', async () => {
    const reply = await simulate({ phases, warning_fraction: 0.8, steps: ['startTimer', 'advance:90', 'pauseTimer', 'advance:600', 'resumeTimer', 'advance:50', { type: 'resetTimer', scope: 'interview' }] })
    expect(reply.status, reply.text).to.equal(200)
    const { start, steps } = reply.body
    expect(start).to.include({ from: 'phases', room_id: 'simulation', version: 1, state: 'ready', state_value: 'ready' })
    expect(start.facts.map((f: { type: string }) => f.type)).to.deep.equal(['room_opened'])
    expect(start.allowed_commands).to.deep.equal(['startTimer', 'endInterview', 'injectProblem', 'injectContext'])
    const t0 = Date.parse(start.at)
    const summary = steps.map((s: any) => [s.facts.map((f: any) => `${f.type}@${(Date.parse(f.at) - t0) / 1000}`).join(' '), s.state_value, s.version])
    expect(summary).to.deep.equal([
      ['phase_started@0', 'in_progress.running', 2],
      ['phase_warning@80', 'in_progress.running', 3],
      ['timer_paused@90', 'in_progress.paused', 4],
      ['', 'in_progress.paused', 4],
      ['timer_resumed@690', 'in_progress.running', 5],
      // 10 s left of phase 1, then phase 2 (50 s) warns at 40 s into it.
      ['phase_changed@700 phase_warning@740', 'in_progress.running', 7],
      ['timer_reset@740', 'ready', 8],
    ])
    expect(steps[1].timers.map((t: any) => t.kind)).to.deep.equal(['deadline'])
    expect(steps[2].timers).to.deep.equal([])
    expect(steps[2].status).to.include({ is_paused: true, remaining_time_seconds: 10 })
    expect(steps[5].facts[0].data).to.include({ previous_sequence: 1, new_sequence: 2, reason: 'timer', late_ms: 0 })
    expect(steps[5].status).to.include({ current_sequence: 2, remaining_time_seconds: 10 })
    expect(steps[6].at).to.equal(new Date(t0 + 740_000).toISOString())
  })

  it('answers a refused step as the API answers the command, and goes on', async () => {
    const reply = await simulate({ phases, steps: ['pauseTimer', 'startTimer'] })
    expect(reply.status, reply.text).to.equal(200)
    const [refused, started] = reply.body.steps
    expect(refused.facts).to.deep.equal([])
    expect(refused.refused).to.deep.equal({
      code: 'invalid_state',
      message: 'pauseTimer is not allowed while the room is ready; allowed: startTimer, endInterview, injectProblem, injectContext',
      details: { state: 'ready', allowed_commands: ['startTimer', 'endInterview', 'injectProblem', 'injectContext'] },
    })
    expect(refused).to.include({ state: 'ready', version: 1 })
    expect(started).to.include({ refused: null, state: 'running', version: 2 })
  })

  it('starts from a stored plan with a token', async () => {
    const plan = await createPlan(user, { title: 'Planned', phases })
    const reply = await simulate({ mock_interview_id: plan.id, steps: ['startTimer'] }, user.token)
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body.start.from).to.equal('plan')
    expect(reply.body.start.facts[0].data).to.include({ title: 'Planned', owner_id: user.id })
    expect((await simulate({ mock_interview_id: plan.id })).status).to.equal(401)
  })

  it('starts from a room the caller may read, at a version', async () => {
    const { roomId } = await openRoom(user)
    await roomCommand(user, roomId, 'timer/start')
    await roomCommand(user, roomId, 'timer/pause')
    const reply = await simulate({ room_id: roomId, version: 2, steps: ['pauseTimer'] }, user.token)
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body.start).to.include({ from: 'room', room_id: roomId, version: 2, state: 'running' })
    expect(reply.body.steps[0].facts[0]).to.include({ type: 'timer_paused', version: 3 })
    const latest = await simulate({ room_id: roomId }, user.token)
    expect(latest.body.start).to.include({ version: 3, state: 'paused' })

    expect((await simulate({ room_id: roomId })).status, 'no token').to.equal(401)
    expect((await simulate({ room_id: roomId }, 'not-a-token')).status, 'bad token').to.equal(401)
    const stranger = await newUser('sim-other')
    const hidden = await simulate({ room_id: roomId }, stranger.token)
    expect(hidden.status, hidden.text).to.equal(404)
    expect((await simulate({ room_id: roomId, version: 4 }, user.token)).status, 'beyond the head').to.equal(404)
    expect((await simulate({ room_id: 'no-such-room' }, user.token)).status).to.equal(404)
  })

  it('is described in the OpenAPI document, and GET /api/machines names it', async () => {
    const doc = await api('GET', '/openapi.json')
    const operation = doc.body.paths['/api/machines/{machine_id}/simulate']?.post
    expect(operation?.requestBody, 'request body').to.be.an('object')
    expect(operation?.responses?.['200'], 'response').to.be.an('object')
    const machines = await api('GET', '/api/machines')
    expect(machines.body.machines[0]).to.include({ id: 'interview-room', simulate: SIMULATE })
  })

  it('is 404 for an unknown machine', async () => {
    const reply = await api('POST', '/api/machines/nope/simulate', { body: { phases } })
    expect(reply.status, reply.text).to.equal(404)
  })

  const bad: Array<[string, unknown, string]> = [
    ['an unknown command', { phases, steps: ['startTimer', 'fly'] }, 'steps.1.type'],
    ['an internal command', { phases, steps: ['timerDue'] }, 'steps.0.type'],
    ['a negative advance', { phases, steps: ['advance:-5'] }, 'steps.0.seconds'],
    ['an advance that is not a number', { phases, steps: ['advance:soon'] }, 'steps.0.seconds'],
    ['an advance longer than a day', { phases, steps: [{ type: 'advance', seconds: 86_401 }] }, 'steps.0.seconds'],
    ['a field the command does not take', { phases, steps: [{ type: 'pauseTimer', scope: 'phase' }] }, 'steps.0'],
    ['a bad reset scope', { phases, steps: ['resetTimer:everything'] }, 'steps.0.scope'],
    ['too many steps', { phases, steps: Array.from({ length: 501 }, () => 'pauseTimer') }, 'steps'],
    ['more than a week of virtual time', { phases, steps: Array.from({ length: 8 }, () => 'advance:86400') }, 'steps'],
    ['no start', { steps: [] }, 'phases'],
    ['two starts', { phases, room_id: 'abc' }, 'room_id'],
    ['a version without a room', { phases, version: 2 }, 'version'],
    ['a bad room id', { room_id: 'a b' }, 'room_id'],
    ['a version of 0', { room_id: 'abc', version: 0 }, 'version'],
    ['steps that are not a list', { phases, steps: 'startTimer' }, 'steps'],
    ['a bad phase', { phases: [{ sequence: 1 }] }, 'phases.0.question_id'],
  ]
  for (const [what, body, path] of bad) {
    it(`is 400 naming ${path} for ${what}`, async () => {
      expectFieldError(await simulate(body, user.token), path)
    })
  }

  it('is 400 naming the step that makes the simulation produce too many facts', async () => {
    // 200 phases of 6 ms, each warned: a second runs them all (about 400 facts); a reset runs them again.
    const tiny = Array.from({ length: 200 }, (_, i) => phaseBody(i, 0.0001))
    const steps = Array.from({ length: 40 }, () => ['startTimer', 'advance:1', 'resetTimer:interview']).flat()
    const reply = await simulate({ phases: tiny, warning_fraction: 0.5, steps })
    expect(reply.status, reply.text).to.equal(400)
    expect(reply.body.error.details[0].path).to.match(/^body\.steps\.\d+$/)
    expect(reply.body.error.details[0].message).to.include('2000 facts')
  })

  describe('refusals', () => {
    /** How the API is asked for each command a user may send. */
    const send: Record<string, (roomId: string) => Promise<{ status: number; body: any; text: string }>> = {
      startTimer: (id) => roomCommand(user, id, 'timer/start'),
      pauseTimer: (id) => roomCommand(user, id, 'timer/pause'),
      resumeTimer: (id) => roomCommand(user, id, 'timer/resume'),
      resetTimer: (id) => roomCommand(user, id, 'timer/reset', { scope: 'phase' }),
      skipPhase: (id) => roomCommand(user, id, 'phase/next'),
      endInterview: (id) => roomCommand(user, id, 'end'),
      injectProblem: (id) => api('POST', '/api/inject-problem', { token: user.token, body: { room_id: id, problem_text: 'p' } }),
      injectContext: (id) => api('POST', '/api/inject-custom-context', { token: user.token, body: { room_id: id, context_text: 'c' } }),
    }
    const states: Array<[string, string[], number]> = [
      ['ready', [], 4],
      ['paused', ['timer/start', 'timer/pause'], 1],
      ['completed', ['end'], 8],
    ]
    for (const [state, path, refusals] of states) {
      it(`match the 409 the API answers for every command a ${state} room refuses`, async () => {
        const { roomId } = await openRoom(user)
        for (const suffix of path) expect((await roomCommand(user, roomId, suffix)).status).to.equal(200)
        let refused = 0
        for (const [command, request] of Object.entries(send)) {
          const sim = await simulate({ room_id: roomId, steps: [command] }, user.token)
          expect(sim.status, sim.text).to.equal(200)
          const step = sim.body.steps[0]
          if (step.refused === null) continue
          refused++
          const reply = await request(roomId)
          expect(reply.status, `${command}: ${reply.text}`).to.equal(409)
          expect(step.refused, command).to.deep.equal(reply.body.error)
          expect(step.state).to.equal(state)
        }
        expect(refused).to.equal(refusals)
      })
    }
  })

  describe('writes nothing', () => {
    /**
     * Rows of every table: all of them, except in tables keyed by room, where only the rows of
     * `roomIds` count (other tests' rooms may still fire a timer meanwhile). A new event stream of
     * any name would be a write, so the number of streams is counted too.
     */
    async function rowCounts(roomIds: string[]): Promise<Record<string, number>> {
      const db = ctx().database.db
      const tables = await sql<{ table_name: string; room_keyed: boolean }>`
        select t.table_name, exists (select 1 from information_schema.columns c where c.table_schema = 'public' and c.table_name = t.table_name and c.column_name = 'room_id') as room_keyed
        from information_schema.tables t where t.table_schema = 'public' and t.table_type = 'BASE TABLE' order by t.table_name`.execute(db)
      const streams = roomIds.map((id) => `room-${id}`)
      const counts: Record<string, number> = {}
      for (const { table_name, room_keyed } of tables.rows) {
        const where = table_name === 'events' ? sql`where stream_id in (${sql.join(streams)})` : room_keyed ? sql`where room_id in (${sql.join(roomIds)})` : sql``
        const row = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table_name)} ${where}`.execute(db)
        counts[table_name] = row.rows[0]!.n
      }
      const row = await sql<{ n: number }>`select count(distinct stream_id)::int as n from events`.execute(db)
      counts['event streams'] = row.rows[0]!.n
      return counts
    }

    it('leaves every table as it was and arms no timer, from phases, a plan and a room', async () => {
      const plan = await createPlan(user, { title: 'Quiet', phases })
      const { roomId } = await openRoom(user, phases)
      expect((await roomCommand(user, roomId, 'timer/start')).status).to.equal(200)
      const steps = ['pauseTimer', 'resumeTimer', 'advance:85', 'injectProblem', 'skipPhase', 'advance:100', 'startTimer', 'resetTimer:interview', 'startTimer', 'endInterview']
      const ids = [roomId, 'simulation']
      // The async projections catch up with the room first: their rows would otherwise appear meanwhile.
      const before = await waitFor(async () => {
        const counts = await rowCounts(ids)
        return counts.room_overview === 1 && counts.user_rooms === 1 ? counts : undefined
      }, 10_000, 'the projections to list the room')
      // The service arms in-process timers for what its runtime appends: record what it appends meanwhile.
      const appended: string[] = []
      const onAppended = (event: { roomId: string }) => appended.push(event.roomId)
      ctx().service.runtime.on('appended', onAppended)
      for (const body of [{ phases, steps }, { mock_interview_id: plan.id, steps }, { room_id: roomId, steps }, { room_id: roomId, version: 1, steps }]) {
        const reply = await simulate(body, user.token)
        expect(reply.status, reply.text).to.equal(200)
        expect(reply.body.steps.flatMap((s: { facts: unknown[] }) => s.facts).length).to.be.greaterThan(3)
      }
      expect(await rowCounts(ids)).to.deep.equal(before)
      expect(before.events, 'the room is counted').to.equal(2)
      expect(before.room_status).to.equal(1)
      expect(await storedEvents(roomId)).to.equal(2)
      expect(await storedEvents('simulation')).to.equal(0)
      ctx().service.runtime.off('appended', onAppended)
      expect(appended.filter((id) => ids.includes(id))).to.deep.equal([])
    })
  })
})
