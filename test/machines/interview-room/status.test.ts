import { expect } from 'chai'
import { roomStatus } from '../../../machines/interview-room/index'
import { cmd, given, iso, phase, rooms, time } from './room.fixtures'

// The default plan: 60 s + 120 s + 30 s = 210 s, started at 0.
const inPhase20 = () => given([0, cmd.open()], [0, cmd.start], [60_000, cmd.deadline(10, 60_000)])

describe('interview room: roomStatus', () => {
  it('unopened: no phase, nothing on the clock', () => {
    const status = roomStatus(rooms.unopened(), time(0))
    expect(status).to.include({ state: 'unopened', state_value: 'unopened' })
    expect(status.timer_status).to.include({ is_running: false, is_paused: false, current_sequence: null, remaining_time_seconds: 0, progress_percentage: 0, total_phases: 0 })
    expect(status.interview_context.current_planner).to.equal(null)
  })

  it('ready: the first phase in full, whatever the time', () => {
    const status = roomStatus(rooms.ready(), time(500_000))
    expect(status).to.include({ state: 'ready', state_value: 'ready' })
    expect(status.timer_status).to.deep.equal({
      is_running: false,
      is_paused: false,
      current_sequence: 10,
      remaining_time_seconds: 60,
      elapsed_time_seconds: 0,
      progress_percentage: 0,
      phase_duration_seconds: 60,
      deadline: null,
      phase_index: 0,
      total_phases: 3,
      transition_count: 0,
      interview_total_seconds: 210,
      interview_remaining_seconds: 210,
      interview_elapsed_seconds: 0,
      started_at: null,
      completed_at: null,
      talk: { candidate_seconds: 0, bot_seconds: 0, phases: [] },
    })
    expect(status.interview_context).to.deep.equal({
      title: 'Mock interview',
      current_planner: { sequence: 10, question_id: 'q-10', duration: 1, question_type: 'coding', question_text: 'Question 10?', instructions: 'Instructions for 10' },
      total_planner_fields: 3,
      injected: [],
    })
  })

  it('running: remaining, elapsed and progress from the deadline and now', () => {
    const status = roomStatus(rooms.running(), time(15_000))
    expect(status).to.include({ state: 'running', state_value: 'in_progress.running' })
    expect(status.timer_status).to.include({
      is_running: true,
      remaining_time_seconds: 45,
      elapsed_time_seconds: 15,
      progress_percentage: 25,
      deadline: iso(60_000),
      interview_remaining_seconds: 195,
      interview_elapsed_seconds: 15,
      started_at: iso(0),
    })
  })

  it('rounds seconds to tenths and progress to a tenth of a percent', () => {
    expect(roomStatus(rooms.running(), time(12_340)).timer_status).to.include({ remaining_time_seconds: 47.7, elapsed_time_seconds: 12.3, progress_percentage: 20.6 })
  })

  it('in a later phase: interview totals count the finished phases as elapsed', () => {
    const status = roomStatus(inPhase20(), time(90_000))
    expect(status.timer_status).to.include({
      current_sequence: 20,
      phase_index: 1,
      transition_count: 1,
      remaining_time_seconds: 90,
      elapsed_time_seconds: 30,
      progress_percentage: 25,
      phase_duration_seconds: 120,
      interview_remaining_seconds: 120,
      interview_elapsed_seconds: 90,
    })
    expect(status.interview_context.current_planner).to.include({ sequence: 20, duration: 2, question_type: null })
  })

  it('past a deadline whose timer has not fired: 0 left and 100 %, never negative', () => {
    expect(roomStatus(rooms.running(), time(75_000)).timer_status).to.include({ remaining_time_seconds: 0, elapsed_time_seconds: 60, progress_percentage: 100, interview_remaining_seconds: 150 })
  })

  it('paused: the state value names the substate and the totals are frozen too', () => {
    const status = roomStatus(rooms.paused(), time(400_000))
    expect(status).to.include({ state: 'paused', state_value: 'in_progress.paused' })
    expect(status.timer_status).to.include({ deadline: null, interview_remaining_seconds: 195, interview_elapsed_seconds: 15 })
  })

  it('completed: nothing remains, all of the interview counts as elapsed', () => {
    const room = given([0, cmd.open()], [0, cmd.start], [60_000, cmd.deadline(10, 60_000)], [90_500, cmd.end])
    const status = roomStatus(room, time(1_000_000))
    expect(status).to.include({ state: 'completed', state_value: 'completed' })
    expect(status.timer_status).to.include({
      is_running: false,
      is_paused: false,
      current_sequence: 20,
      remaining_time_seconds: 0,
      elapsed_time_seconds: 120,
      progress_percentage: 100,
      interview_remaining_seconds: 0,
      interview_elapsed_seconds: 210,
      completed_at: iso(90_500),
      deadline: null,
    })
  })

  it('fractional phases: 0.05 min shows as 3 s', () => {
    const room = given([0, cmd.open([phase(1, 0.05), phase(2, 0.1)])], [0, cmd.start])
    expect(roomStatus(room, time(1_000)).timer_status).to.include({
      phase_duration_seconds: 3,
      remaining_time_seconds: 2,
      progress_percentage: 33.3,
      interview_total_seconds: 9,
      interview_remaining_seconds: 8,
    })
  })

  it('lists injected problems and context in order', () => {
    const room = given([0, cmd.open()], [0, cmd.start], [5_000, cmd.problem], [6_000, cmd.context])
    expect(roomStatus(room, time(7_000)).interview_context.injected.map((n) => [n.kind, n.id, n.at])).to.deep.equal([
      ['problem', 'p-1', iso(5_000)],
      ['context', 'c-1', iso(6_000)],
    ])
  })
})
