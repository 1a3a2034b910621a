import { expect } from 'chai'
import { newUser, type TestUser } from '../support/http'
import { expectFieldError, openRoom, phaseBody, roomCommand, runningRoom, sleep, storedEvents, timerStatus } from '../support/rooms'

const ms = (iso: string) => Date.parse(iso)

describe('POST /api/interview/{room_id}/timer/*', () => {
  let user: TestUser
  beforeEach(async () => {
    user = await newUser('timer')
  })

  it('timer/start from ready starts the first phase: running, full time left, deadline one phase ahead', async () => {
    const { roomId } = await openRoom(user, [phaseBody(3, 2), phaseBody(8, 1)])
    const reply = await roomCommand(user, roomId, 'timer/start')
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body).to.include({ success: true, room_id: roomId, state: 'running', state_value: 'in_progress.running', version: 2 })
    expect(reply.body.timer_status).to.include({ is_running: true, is_paused: false, current_sequence: 3 })
    expect(reply.body.timer_status.remaining_time_seconds).to.be.within(119.5, 120)
    const [event] = reply.body.events
    expect(event).to.deep.include({ type: 'phase_started', version: 2 })
    expect(event.data).to.include({ sequence: 3, question_id: 'q3' })
    expect(ms(event.data.deadline) - ms(event.data.at)).to.equal(120_000)
    expect(reply.body.timer_status.deadline).to.equal(event.data.deadline)
  })

  it('timer/pause freezes the remaining time: the same after a wait of a second', async () => {
    const { roomId } = await runningRoom(user)
    await sleep(300)
    const paused = await roomCommand(user, roomId, 'timer/pause')
    expect(paused.status, paused.text).to.equal(200)
    expect(paused.body).to.include({ state: 'paused', state_value: 'in_progress.paused' })
    expect(paused.body.timer_status).to.include({ is_running: false, is_paused: true, current_sequence: 1, deadline: null })
    const frozen = paused.body.timer_status.remaining_time_seconds
    expect(frozen).to.be.within(298, 299.8)
    expect(paused.body.events[0].type).to.equal('timer_paused')
    await sleep(1_000)
    const later = await timerStatus(user, roomId)
    expect(later.body.timer_status).to.include({ is_paused: true, remaining_time_seconds: frozen })
  })

  it('timer/resume continues from the frozen time, and the clock runs again', async () => {
    const { roomId } = await runningRoom(user)
    await sleep(200)
    const frozen = (await roomCommand(user, roomId, 'timer/pause')).body.timer_status.remaining_time_seconds
    await sleep(1_000)
    const resumed = await roomCommand(user, roomId, 'timer/resume')
    expect(resumed.status, resumed.text).to.equal(200)
    expect(resumed.body).to.include({ state: 'running' })
    expect(resumed.body.timer_status).to.include({ is_running: true, is_paused: false, current_sequence: 1 })
    expect(resumed.body.timer_status.remaining_time_seconds).to.be.within(frozen - 0.5, frozen)
    const [event] = resumed.body.events
    expect(event.type).to.equal('timer_resumed')
    expect(ms(event.data.deadline) - ms(event.data.at)).to.equal(event.data.remaining_ms)
    await sleep(600)
    const later = (await timerStatus(user, roomId)).body.timer_status.remaining_time_seconds
    expect(later).to.be.within(frozen - 2, frozen - 0.5)
  })

  it('timer/start while paused resumes the phase', async () => {
    const { roomId } = await runningRoom(user)
    await roomCommand(user, roomId, 'timer/pause')
    const reply = await roomCommand(user, roomId, 'timer/start')
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body.state).to.equal('running')
    expect(reply.body.events.map((e: { type: string }) => e.type)).to.deep.equal(['timer_resumed'])
  })

  it('timer/reset (default scope phase) while paused restores the full phase duration and stays paused', async () => {
    const { roomId } = await runningRoom(user)
    await sleep(300)
    await roomCommand(user, roomId, 'timer/pause')
    const reply = await roomCommand(user, roomId, 'timer/reset')
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body.state).to.equal('paused')
    expect(reply.body.timer_status).to.include({ current_sequence: 1, remaining_time_seconds: 300, elapsed_time_seconds: 0, progress_percentage: 0 })
    expect(reply.body.events[0].data).to.include({ scope: 'phase', sequence: 1, deadline: null })
  })

  it('timer/reset {scope: "phase"} while running restarts the phase clock from its full duration', async () => {
    const { roomId } = await runningRoom(user)
    await sleep(500)
    const reply = await roomCommand(user, roomId, 'timer/reset', { scope: 'phase' })
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body.state).to.equal('running')
    const [event] = reply.body.events
    expect(event.data).to.include({ scope: 'phase', sequence: 1 })
    expect(ms(event.data.deadline) - ms(event.data.at)).to.equal(300_000)
    expect(reply.body.timer_status.remaining_time_seconds).to.be.within(299.8, 300)
  })

  it('timer/reset {scope: "interview"} returns the room to ready at the first phase', async () => {
    const { roomId } = await runningRoom(user, [phaseBody(2, 1), phaseBody(4, 3)])
    await roomCommand(user, roomId, 'phase/next')
    const reply = await roomCommand(user, roomId, 'timer/reset', { scope: 'interview' })
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body).to.include({ state: 'ready', state_value: 'ready' })
    expect(reply.body.timer_status).to.include({ is_running: false, is_paused: false, current_sequence: 2, remaining_time_seconds: 60, deadline: null })
    expect(reply.body.timer_status.interview_remaining_seconds).to.equal(240)
    const again = await roomCommand(user, roomId, 'timer/start')
    expect(again.body.events[0]).to.deep.include({ type: 'phase_started' })
    expect(again.body.timer_status.current_sequence).to.equal(2)
  })

  it('ignores fields a command does not take (no mass assignment)', async () => {
    const { roomId } = await runningRoom(user, [phaseBody(1, 5), phaseBody(2, 5)])
    const reply = await roomCommand(user, roomId, 'timer/reset', { scope: 'phase', sequence: 2, remaining_ms: 1, state: 'completed' })
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body.state).to.equal('running')
    expect(reply.body.events[0].data).to.include({ scope: 'phase', sequence: 1 })
    expect(reply.body.timer_status.remaining_time_seconds).to.be.within(299.8, 300)
  })

  it('answers concurrent pauses with one 200 and a 409 naming paused, appending one fact', async () => {
    const { roomId } = await runningRoom(user)
    const replies = await Promise.all([roomCommand(user, roomId, 'timer/pause'), roomCommand(user, roomId, 'timer/pause')])
    expect(replies.map((r) => r.status).sort()).to.deep.equal([200, 409])
    expect(replies.find((r) => r.status === 409)!.body.error.details.state).to.equal('paused')
    expect(await storedEvents(roomId)).to.equal(3)
  })

  it('timer/reset with a scope other than phase or interview is 400 naming scope, and appends nothing', async () => {
    const { roomId } = await runningRoom(user)
    const before = await storedEvents(roomId)
    expectFieldError(await roomCommand(user, roomId, 'timer/reset', { scope: 'room' }), 'scope')
    expect(await storedEvents(roomId)).to.equal(before)
  })
})

describe('POST /api/interview/{room_id}/phase/next and /end', () => {
  let user: TestUser
  beforeEach(async () => {
    user = await newUser('skipper')
  })

  it('phase/next moves to the next sequence with the real previous_sequence and a fresh clock', async () => {
    const { roomId } = await runningRoom(user, [phaseBody(10, 5), phaseBody(20, 2), phaseBody(30, 1)])
    const reply = await roomCommand(user, roomId, 'phase/next')
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body.state).to.equal('running')
    expect(reply.body.timer_status).to.include({ current_sequence: 20, transition_count: 1, phase_index: 1 })
    expect(reply.body.timer_status.remaining_time_seconds).to.be.within(119.7, 120)
    expect(reply.body.events[0]).to.deep.include({ type: 'phase_changed' })
    expect(reply.body.events[0].data).to.include({ previous_sequence: 10, new_sequence: 20, reason: 'skip', transition_count: 1 })
    expect(reply.body.interview_context.current_planner).to.include({ sequence: 20, question_id: 'q20', duration: 2 })
  })

  it('phase/next while paused moves on to the next phase', async () => {
    const { roomId } = await runningRoom(user, [phaseBody(1, 5), phaseBody(2, 2)])
    await roomCommand(user, roomId, 'timer/pause')
    const reply = await roomCommand(user, roomId, 'phase/next')
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body.timer_status.current_sequence).to.equal(2)
    expect(reply.body.events[0].data).to.include({ previous_sequence: 1, new_sequence: 2 })
  })

  it('phase/next on the last phase completes the interview', async () => {
    const { roomId } = await runningRoom(user, [phaseBody(1, 5), phaseBody(2, 2)])
    await roomCommand(user, roomId, 'phase/next')
    const reply = await roomCommand(user, roomId, 'phase/next')
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body).to.include({ state: 'completed', state_value: 'completed' })
    expect(reply.body.timer_status).to.include({ is_running: false, is_paused: false, remaining_time_seconds: 0, interview_remaining_seconds: 0 })
    expect(reply.body.events[0].data).to.include({ reason: 'skip', total_transitions: 1, total_planner_fields: 2 })
  })

  it('end while running completes the interview now, with reason ended', async () => {
    const { roomId } = await runningRoom(user)
    const reply = await roomCommand(user, roomId, 'end')
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body.state).to.equal('completed')
    expect(reply.body.timer_status.completed_at).to.be.a('string')
    expect(reply.body.events[0]).to.deep.include({ type: 'interview_completed' })
    expect(reply.body.events[0].data).to.include({ reason: 'ended' })
  })

  it('end before the start completes the room too', async () => {
    const { roomId } = await openRoom(user)
    const reply = await roomCommand(user, roomId, 'end')
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body.state).to.equal('completed')
    expect(reply.body.events[0].data).to.include({ reason: 'ended', session_duration_seconds: 0 })
  })

  it('end while paused completes the interview', async () => {
    const { roomId } = await runningRoom(user)
    await roomCommand(user, roomId, 'timer/pause')
    const reply = await roomCommand(user, roomId, 'end')
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body.state).to.equal('completed')
    expect((await timerStatus(user, roomId)).body.state).to.equal('completed')
  })
})
