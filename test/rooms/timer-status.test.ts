import { expect } from 'chai'
import { newUser, type TestUser } from '../support/http'
import { openRoom, phaseBody, roomCommand, runningRoom, sleep, timerStatus } from '../support/rooms'

describe('GET /api/interview/{room_id}/timer/status', () => {
  let user: TestUser
  beforeEach(async () => {
    user = await newUser('status')
  })

  it('keeps the original field names and adds state, version, deadline and the interview totals', async () => {
    const { roomId, session_id } = await openRoom(user, [phaseBody(1, 15, { question_type: 'system_design' }), phaseBody(2, 10), phaseBody(3, 5)])
    const reply = await timerStatus(user, roomId)
    expect(reply.status, reply.text).to.equal(200)
    const body = reply.body
    expect(body).to.include({ success: true, room_id: roomId, session_id, version: 1, state: 'ready', state_value: 'ready' })
    expect(body.timer_status).to.include.all.keys(
      'is_running',
      'is_paused',
      'current_sequence',
      'remaining_time_seconds',
      'elapsed_time_seconds',
      'progress_percentage',
      'deadline',
      'interview_total_seconds',
      'interview_remaining_seconds',
      'interview_elapsed_seconds',
    )
    expect(body.timer_status).to.include({
      is_running: false,
      is_paused: false,
      current_sequence: 1,
      remaining_time_seconds: 900,
      elapsed_time_seconds: 0,
      progress_percentage: 0,
      deadline: null,
      interview_total_seconds: 1800,
      interview_remaining_seconds: 1800,
      interview_elapsed_seconds: 0,
    })
    expect(body.interview_context.current_planner).to.include({ sequence: 1, question_id: 'q1', duration: 15, question_type: 'system_design' })
    expect(body.interview_context.total_planner_fields).to.equal(3)
  })

  it('counts down from the request time while running, never from a stored countdown', async () => {
    const { roomId } = await runningRoom(user, [phaseBody(1, 0.5), phaseBody(2, 10)])
    await sleep(1_100)
    const { body } = await timerStatus(user, roomId)
    const t = body.timer_status
    expect(body).to.include({ state: 'running', state_value: 'in_progress.running', version: 2 })
    expect(t).to.include({ is_running: true, is_paused: false, current_sequence: 1 })
    expect(t.remaining_time_seconds).to.be.within(27, 28.9)
    expect(t.elapsed_time_seconds).to.be.closeTo(30 - t.remaining_time_seconds, 0.11)
    expect(t.progress_percentage).to.be.within(3.6, 10)
    expect(Date.parse(t.deadline) - Date.now()).to.be.within(26_000, 28_900)
    expect(t.interview_total_seconds).to.equal(630)
    expect(t.interview_remaining_seconds).to.be.closeTo(t.remaining_time_seconds + 600, 0.11)
    expect(t.interview_elapsed_seconds).to.be.closeTo(t.elapsed_time_seconds, 0.11)
  })

  it('follows the phases: after phase/next it describes the second phase and counts the first as done', async () => {
    const { roomId } = await runningRoom(user, [phaseBody(1, 1), phaseBody(2, 2, { question_type: 'behavioral' })])
    await roomCommand(user, roomId, 'phase/next')
    const { body } = await timerStatus(user, roomId)
    expect(body.version).to.equal(3)
    expect(body.timer_status.current_sequence).to.equal(2)
    expect(body.timer_status.interview_remaining_seconds).to.be.within(119.5, 120)
    expect(body.timer_status.interview_elapsed_seconds).to.be.within(60, 60.5)
    expect(body.interview_context.current_planner).to.include({ sequence: 2, question_id: 'q2', duration: 2, question_type: 'behavioral' })
  })

  it('reports a completed room as stopped with nothing left', async () => {
    const { roomId } = await runningRoom(user)
    await roomCommand(user, roomId, 'end')
    const { body } = await timerStatus(user, roomId)
    expect(body).to.include({ state: 'completed', state_value: 'completed' })
    expect(body.timer_status).to.include({ is_running: false, is_paused: false, remaining_time_seconds: 0, interview_remaining_seconds: 0, deadline: null })
    expect(body.timer_status.completed_at).to.be.a('string')
  })
})
