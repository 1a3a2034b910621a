import { expect } from 'chai'
import { dueTimers, roomState, roomStatus } from '../../../machines/interview-room/index'
import { cmd, given, iso, MIN, phase, rooms, time, when } from './room.fixtures'

// The default plan, started at 0: phase 10 (1 min) ends at 60 s, 20 (2 min) at 180 s, 30 (30 s) at 210 s.
const inPhase20 = () => given([0, cmd.open()], [0, cmd.start], [60_000, cmd.deadline(10, 60_000)])
const inPhase30 = () => given([0, cmd.open()], [0, cmd.start], [60_000, cmd.deadline(10, 60_000)], [180_000, cmd.deadline(20, 180_000)])

describe('interview room: durable timers', () => {
  describe('dueTimers', () => {
    it('arms the deadline and the warning at 80 % (deadline − 0.2 × duration) while running', () => {
      expect(dueTimers(rooms.running())).to.deep.equal([
        { kind: 'deadline', sequence: 10, due_at: iso(60_000) },
        { kind: 'warning', sequence: 10, due_at: iso(48_000) },
      ])
    })

    it('arms nothing while unopened, ready, paused or completed', () => {
      for (const state of ['unopened', 'ready', 'paused', 'completed'] as const) expect(dueTimers(rooms[state]()), state).to.deep.equal([])
    })

    it('arms no warning when warning_fraction is null, and ignores a warning timer that fires anyway', () => {
      const room = given([0, cmd.open(undefined, null)], [0, cmd.start])
      expect(dueTimers(room)).to.deep.equal([{ kind: 'deadline', sequence: 10, due_at: iso(60_000) }])
      expect(when(room, 48_000, cmd.warning(10, 48_000)).facts).to.deep.equal([])
    })

    it('honours another warning fraction', () => {
      const room = given([0, cmd.open(undefined, 0.5)], [0, cmd.start])
      expect(dueTimers(room)[1]).to.deep.equal({ kind: 'warning', sequence: 10, due_at: iso(30_000) })
    })

    it('counts fractional durations: a 0.05 min phase (3 s) is due at 3 s with its warning at 2.4 s', () => {
      const room = given([0, cmd.open([phase(1, 0.05), phase(2, 0.05)])], [1_000, cmd.start])
      expect(dueTimers(room)).to.deep.equal([
        { kind: 'deadline', sequence: 1, due_at: iso(4_000) },
        { kind: 'warning', sequence: 1, due_at: iso(3_400) },
      ])
      const [changed] = when(room, 4_000, cmd.deadline(1, 4_000)).facts
      expect(changed).to.include({ type: 'phase_changed', new_sequence: 2, deadline: iso(7_000) })
    })
  })

  describe('timerDue deadline', () => {
    it('on time: phase_changed to the next phase at the deadline, counting the transition', () => {
      const { facts, after } = when(rooms.running(), 60_000, cmd.deadline(10, 60_000))
      expect(facts).to.deep.equal([
        {
          type: 'phase_changed',
          previous_sequence: 10,
          new_sequence: 20,
          question_id: 'q-20',
          question_type: null,
          duration_minutes: 2,
          instructions: 'Instructions for 20',
          transition_count: 1,
          reason: 'timer',
          deadline: iso(180_000),
          late_ms: 0,
          at: iso(60_000),
        },
      ])
      expect(roomState(after)).to.equal('running')
      expect(after.context).to.include({ index: 1, transition_count: 1, warned: false })
      expect(dueTimers(after)).to.deep.equal([
        { kind: 'deadline', sequence: 20, due_at: iso(180_000) },
        { kind: 'warning', sequence: 20, due_at: iso(156_000) },
      ])
    })

    it('late by 1500 ms: at is the deadline, late_ms is 1500, and the next deadline counts from the old one (no drift)', () => {
      const { facts, after } = when(rooms.running(), 61_500, cmd.deadline(10, 60_000))
      expect(facts).to.have.length(1)
      expect(facts[0]).to.include({ type: 'phase_changed', at: iso(60_000), late_ms: 1500, deadline: iso(180_000) })
      expect(roomStatus(after, time(61_500)).timer_status).to.include({ remaining_time_seconds: 118.5, elapsed_time_seconds: 1.5 })
    })

    it('gives previous_sequence as the real previous sequence', () => {
      const [changed] = when(inPhase20(), 180_000, cmd.deadline(20, 180_000)).facts
      expect(changed).to.include({ previous_sequence: 20, new_sequence: 30, transition_count: 2, deadline: iso(210_000) })
    })

    it('after the last phase: interview_completed by timer, with the totals', () => {
      const { facts, after } = when(inPhase30(), 212_000, cmd.deadline(30, 210_000))
      expect(facts).to.deep.equal([
        {
          type: 'interview_completed',
          reason: 'timer',
          total_transitions: 2,
          session_duration_seconds: 210,
          session_duration_minutes: 3.5,
          total_planner_fields: 3,
          late_ms: 2_000,
          at: iso(210_000),
        },
      ])
      expect(roomState(after)).to.equal('completed')
      expect(after.context).to.include({ completed_at: iso(210_000), completion_reason: 'timer', deadline: null, transition_count: 2 })
    })

    describe('a stale deadline produces no facts', () => {
      it('after a pause', () => {
        expect(when(rooms.paused(), 60_000, cmd.deadline(10, 60_000)).facts).to.deep.equal([])
      })
      it('after a pause and resume moved the deadline', () => {
        const room = given([0, cmd.open()], [0, cmd.start], [15_000, cmd.pause], [20_000, cmd.resume])
        expect(when(room, 60_000, cmd.deadline(10, 60_000)).facts).to.deep.equal([])
        expect(when(room, 65_000, cmd.deadline(10, 65_000)).facts).to.have.length(1)
      })
      it('for another sequence', () => {
        expect(when(rooms.running(), 60_000, cmd.deadline(20, 60_000)).facts).to.deep.equal([])
      })
      it('for the previous phase, fired again after it moved on', () => {
        expect(when(inPhase20(), 61_000, cmd.deadline(10, 60_000)).facts).to.deep.equal([])
      })
      it('for a due_at that is not the deadline', () => {
        expect(when(rooms.running(), 60_001, cmd.deadline(10, 60_001)).facts).to.deep.equal([])
      })
      it('after a phase reset re-armed the deadline', () => {
        const room = given([0, cmd.open()], [0, cmd.start], [30_000, cmd.resetPhase])
        expect(when(room, 60_000, cmd.deadline(10, 60_000)).facts).to.deep.equal([])
      })
    })
  })

  describe('timerDue warning', () => {
    it('fires phase_warning at its due time with the time left, then is no longer armed', () => {
      const { facts, after } = when(rooms.running(), 48_000, cmd.warning(10, 48_000))
      expect(facts).to.deep.equal([{ type: 'phase_warning', sequence: 10, remaining_ms: 12_000, late_ms: 0, at: iso(48_000) }])
      expect(roomState(after)).to.equal('running')
      expect(after.context.warned).to.equal(true)
      expect(dueTimers(after)).to.deep.equal([{ kind: 'deadline', sequence: 10, due_at: iso(60_000) }])
    })

    it('late: records late_ms and keeps at = due_at', () => {
      const [warning] = when(rooms.running(), 49_500, cmd.warning(10, 48_000)).facts
      expect(warning).to.deep.equal({ type: 'phase_warning', sequence: 10, remaining_ms: 12_000, late_ms: 1_500, at: iso(48_000) })
    })

    it('fires once per phase: the same warning again produces no facts', () => {
      const warned = given([0, cmd.open()], [0, cmd.start], [48_000, cmd.warning(10, 48_000)])
      expect(when(warned, 48_500, cmd.warning(10, 48_000)).facts).to.deep.equal([])
    })

    it('is armed again in the next phase', () => {
      const room = given([0, cmd.open()], [0, cmd.start], [48_000, cmd.warning(10, 48_000)], [60_000, cmd.deadline(10, 60_000)])
      expect(when(room, 156_000, cmd.warning(20, 156_000)).facts).to.deep.equal([
        { type: 'phase_warning', sequence: 20, remaining_ms: 24_000, late_ms: 0, at: iso(156_000) },
      ])
    })

    it('is armed again after a phase reset, counted from the new deadline', () => {
      const room = given([0, cmd.open()], [0, cmd.start], [48_000, cmd.warning(10, 48_000)], [50_000, cmd.resetPhase])
      expect(dueTimers(room)).to.deep.equal([
        { kind: 'deadline', sequence: 10, due_at: iso(50_000 + MIN) },
        { kind: 'warning', sequence: 10, due_at: iso(98_000) },
      ])
      expect(when(room, 98_000, cmd.warning(10, 98_000)).facts).to.have.length(1)
    })

    it('missed because a pause beat its timer: given as the clock restarts, never before it', () => {
      // Paused at 50 s, after the warning was due at 48 s but before its timer fired; resumed at 100 s.
      const room = given([0, cmd.open()], [0, cmd.start], [50_000, cmd.pause], [100_000, cmd.resume])
      expect(dueTimers(room)).to.deep.equal([
        { kind: 'deadline', sequence: 10, due_at: iso(110_000) },
        { kind: 'warning', sequence: 10, due_at: iso(100_000) },
      ])
      expect(when(room, 100_020, cmd.warning(10, 100_000)).facts).to.deep.equal([
        { type: 'phase_warning', sequence: 10, remaining_ms: 10_000, late_ms: 20, at: iso(100_000) },
      ])
    })

    it('is stale for another sequence or another due_at', () => {
      expect(when(rooms.running(), 48_000, cmd.warning(20, 48_000)).facts).to.deep.equal([])
      expect(when(rooms.running(), 48_000, cmd.warning(10, 47_999)).facts).to.deep.equal([])
    })
  })
})
