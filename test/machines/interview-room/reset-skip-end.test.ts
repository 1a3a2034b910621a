import { expect } from 'chai'
import { dueTimers, roomState, roomStatus, type RoomCommand } from '../../../machines/interview-room/index'
import { cmd, expectRefused, given, iso, phase, rooms, time, when } from './room.fixtures'

const inPhase20 = () => given([0, cmd.open()], [0, cmd.start], [60_000, cmd.deadline(10, 60_000)])
const inPhase30 = () => given([0, cmd.open()], [0, cmd.start], [60_000, cmd.deadline(10, 60_000)], [180_000, cmd.deadline(20, 180_000)])

describe('interview room: reset, skip, end', () => {
  describe('resetTimer scope phase', () => {
    it('while running: timer_reset re-arms the full duration from now', () => {
      const { facts, after } = when(inPhase20(), 100_000, cmd.resetPhase)
      expect(facts).to.deep.equal([{ type: 'timer_reset', scope: 'phase', sequence: 20, deadline: iso(220_000), at: iso(100_000) }])
      expect(roomState(after)).to.equal('running')
      expect(roomStatus(after, time(100_000)).timer_status).to.include({ current_sequence: 20, remaining_time_seconds: 120, elapsed_time_seconds: 0 })
      expect(dueTimers(after)[0]).to.deep.equal({ kind: 'deadline', sequence: 20, due_at: iso(220_000) })
    })

    it('while paused: stays paused with the full duration and no deadline', () => {
      const { facts, after } = when(rooms.paused(), 30_000, cmd.resetPhase)
      expect(facts).to.deep.equal([{ type: 'timer_reset', scope: 'phase', sequence: 10, deadline: null, at: iso(30_000) }])
      expect(roomState(after)).to.equal('paused')
      expect(after.context).to.include({ remaining_ms: 60_000, deadline: null })
      expect(dueTimers(after)).to.deep.equal([])
      expect(roomStatus(after, time(90_000)).timer_status).to.include({ is_paused: true, remaining_time_seconds: 60, progress_percentage: 0 })
      const [resumed] = when(after, 100_000, cmd.resume).facts
      expect(resumed).to.include({ type: 'timer_resumed', remaining_ms: 60_000, deadline: iso(160_000) })
    })

    it('keeps the transition count', () => {
      const { after } = when(inPhase20(), 100_000, cmd.resetPhase)
      expect(after.context.transition_count).to.equal(1)
    })
  })

  describe('resetTimer scope interview', () => {
    it('while running in a later phase: timer_reset returns the room to ready at the first phase', () => {
      const { facts, after } = when(inPhase20(), 100_000, cmd.resetInterview)
      expect(facts).to.deep.equal([{ type: 'timer_reset', scope: 'interview', sequence: 10, deadline: null, at: iso(100_000) }])
      expect(roomState(after)).to.equal('ready')
      expect(after.context).to.include({ index: 0, remaining_ms: 60_000, deadline: null, warned: false })
      expect(dueTimers(after)).to.deep.equal([])
      expect(roomStatus(after, time(500_000)).timer_status).to.include({ current_sequence: 10, remaining_time_seconds: 60, interview_remaining_seconds: 210 })
    })

    it('while paused: back to ready at the first phase', () => {
      const { facts, after } = when(rooms.paused(), 30_000, cmd.resetInterview)
      expect(facts).to.deep.equal([{ type: 'timer_reset', scope: 'interview', sequence: 10, deadline: null, at: iso(30_000) }])
      expect(roomState(after)).to.equal('ready')
    })

    it('keeps the transition count and the first start time; startTimer begins the first phase again', () => {
      const reset = when(inPhase20(), 100_000, cmd.resetInterview).after
      expect(reset.context).to.include({ transition_count: 1, started_at: iso(0) })
      const { facts, after } = when(reset, 110_000, cmd.start)
      expect(facts[0]).to.include({ type: 'phase_started', sequence: 10, deadline: iso(170_000), at: iso(110_000) })
      const [changed] = when(after, 170_000, cmd.deadline(10, 170_000)).facts
      expect(changed).to.include({ previous_sequence: 10, new_sequence: 20, transition_count: 2 })
    })

    it('is refused while ready (nothing to reset)', () => {
      expectRefused(rooms.ready(), cmd.resetInterview, 'ready', ['startTimer', 'endInterview', 'injectProblem', 'injectContext', 'connectPeer', 'disconnectPeer', 'recordCandidateMessage', 'recordBotMessage', 'recordTalk', 'saveRecording'])
    })
  })

  describe('skipPhase', () => {
    it('while running: phase_changed by skip at now, with the next deadline counted from now', () => {
      const { facts, after } = when(rooms.running(), 20_000, cmd.skip)
      expect(facts).to.have.length(1)
      expect(facts[0]).to.deep.include({ type: 'phase_changed', previous_sequence: 10, new_sequence: 20, transition_count: 1, reason: 'skip', deadline: iso(140_000), late_ms: 0, at: iso(20_000) })
      expect(roomState(after)).to.equal('running')
    })

    it('while paused: moves to the next phase and runs it', () => {
      const { facts, after } = when(rooms.paused(), 30_000, cmd.skip)
      expect(facts[0]).to.include({ type: 'phase_changed', previous_sequence: 10, new_sequence: 20, reason: 'skip', deadline: iso(150_000) })
      expect(roomState(after)).to.equal('running')
      expect(roomStatus(after, time(30_000)).timer_status).to.include({ is_running: true, current_sequence: 20, remaining_time_seconds: 120 })
    })

    it('from the last phase: interview_completed by skip', () => {
      const { facts, after } = when(inPhase30(), 200_000, cmd.skip)
      expect(facts).to.deep.equal([
        { type: 'interview_completed', reason: 'skip', total_transitions: 2, session_duration_seconds: 200, session_duration_minutes: 3.33, total_planner_fields: 3, late_ms: 0, at: iso(200_000) },
      ])
      expect(roomState(after)).to.equal('completed')
    })

    it('through every phase of a one-phase plan completes at once', () => {
      const room = given([0, cmd.open([phase(7, 1)])], [0, cmd.start])
      expect(when(room, 1_000, cmd.skip).facts[0]).to.include({ type: 'interview_completed', reason: 'skip', total_transitions: 0 })
    })
  })

  describe('endInterview', () => {
    it('while running: interview_completed ended at now, with the session length', () => {
      const { facts, after } = when(inPhase20(), 90_500, cmd.end)
      expect(facts).to.deep.equal([
        { type: 'interview_completed', reason: 'ended', total_transitions: 1, session_duration_seconds: 91, session_duration_minutes: 1.52, total_planner_fields: 3, late_ms: 0, at: iso(90_500) },
      ])
      expect(after.context).to.include({ completed_at: iso(90_500), completion_reason: 'ended', deadline: null, remaining_ms: 0 })
    })

    it('while paused: the session length runs to now, paused time included', () => {
      const [completed] = when(rooms.paused(), 45_000, cmd.end).facts
      expect(completed).to.include({ type: 'interview_completed', reason: 'ended', session_duration_seconds: 45 })
    })

    it('while ready (never started): a session of 0 s', () => {
      const [completed] = when(rooms.ready(), 45_000, cmd.end).facts
      expect(completed).to.include({ type: 'interview_completed', reason: 'ended', session_duration_seconds: 0, total_transitions: 0 })
    })
  })

  describe('completed is final', () => {
    const all: RoomCommand[] = [cmd.open(), cmd.start, cmd.pause, cmd.resume, cmd.resetPhase, cmd.resetInterview, cmd.skip, cmd.end, cmd.problem, cmd.context]

    for (const [how, room] of [
      ['ended', () => rooms.completed()],
      ['completed by timer', () => when(inPhase30(), 210_000, cmd.deadline(30, 210_000)).after],
      ['completed by skip', () => when(inPhase30(), 200_000, cmd.skip).after],
    ] as const) {
      it(`${how}: refuses every interview command, allowing only bookkeeping, and ignores due timers`, () => {
        const completed = room()
        expect(completed.hasTag('final')).to.equal(true)
        for (const command of all) expectRefused(completed, command, 'completed', ['disconnectPeer', 'recordBotMessage', 'recordTalk', 'saveRecording'])
        expect(when(completed, 300_000, cmd.deadline(30, 210_000)).facts).to.deep.equal([])
        expect(when(completed, 300_000, cmd.warning(30, 204_000)).facts).to.deep.equal([])
        expect(dueTimers(completed)).to.deep.equal([])
      })
    }
  })
})
