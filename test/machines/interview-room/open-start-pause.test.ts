import { expect } from 'chai'
import { applyFact, dueTimers, initialRoomSnapshot, roomState, roomStatus, type RoomFact } from '../../../machines/interview-room/index'
import { cmd, given, iso, MIN, phase, PLAN, rooms, time, when } from './room.fixtures'

describe('interview room: open, start, pause, resume, inject', () => {
  describe('openRoom', () => {
    it('given no facts, produces room_opened with the plan at now and leaves the room ready at the first phase', () => {
      const { facts, after } = when(initialRoomSnapshot(), 0, cmd.open())
      expect(facts).to.deep.equal([
        { type: 'room_opened', room_id: 'room-1', session_id: 'session-1', owner_id: 'user-1', title: 'Mock interview', phases: PLAN, warning_fraction: 0.8, plan_id: null, at: iso(0) },
      ])
      expect(roomState(after)).to.equal('ready')
      expect(after.context).to.include({ index: 0, remaining_ms: MIN, deadline: null, transition_count: 0, opened_at: iso(0), started_at: null })
    })

    it('sorts phases given out of order by sequence, and starts at the lowest', () => {
      const shuffled = [phase(30, 0.5), phase(10, 1), phase(20, 2)]
      const { facts, after } = when(initialRoomSnapshot(), 0, cmd.open(shuffled))
      expect((facts[0] as Extract<RoomFact, { type: 'room_opened' }>).phases).to.deep.equal(shuffled)
      expect(after.context.phases.map((p) => p.sequence)).to.deep.equal([10, 20, 30])
      const started = when(after, 1_000, cmd.start).facts
      expect(started).to.have.length(1)
      expect(started[0]).to.include({ type: 'phase_started', sequence: 10, deadline: iso(1_000 + MIN) })
    })
  })

  describe('startTimer from ready', () => {
    it('produces phase_started for the first phase with deadline = now + its duration', () => {
      const { facts, after } = when(rooms.ready(), 2_000, cmd.start)
      expect(facts).to.deep.equal([
        { type: 'phase_started', sequence: 10, question_id: 'q-10', question_type: 'coding', duration_minutes: 1, instructions: 'Instructions for 10', deadline: iso(62_000), at: iso(2_000) },
      ])
      expect(roomState(after)).to.equal('running')
      expect(after.context).to.include({ deadline: iso(62_000), started_at: iso(2_000), warned: false })
    })

    it('counts a fractional duration in milliseconds: 0.05 min is 3 s', () => {
      const room = given([0, cmd.open([phase(1, 0.05)])])
      const [started] = when(room, 500, cmd.start).facts
      expect(started).to.include({ type: 'phase_started', deadline: iso(3_500) })
    })
  })

  describe('pauseTimer while running', () => {
    it('produces timer_paused with the time left on the clock', () => {
      const { facts, after } = when(rooms.running(), 15_000, cmd.pause)
      expect(facts).to.deep.equal([{ type: 'timer_paused', sequence: 10, remaining_ms: 45_000, at: iso(15_000) }])
      expect(roomState(after)).to.equal('paused')
      expect(after.context).to.include({ remaining_ms: 45_000, deadline: null })
      expect(dueTimers(after)).to.deep.equal([])
    })

    it('freezes the remaining time: the status an hour later shows the same', () => {
      const paused = rooms.paused()
      for (const later of [15_000, 20_000, 60 * MIN]) {
        const status = roomStatus(paused, time(later)).timer_status
        expect(status).to.include({ is_paused: true, is_running: false, remaining_time_seconds: 45, elapsed_time_seconds: 15, progress_percentage: 25 })
      }
    })

    it('records 0 ms left when the deadline passed before its timer fired', () => {
      const [paused] = when(rooms.running(), 61_000, cmd.pause).facts
      expect(paused).to.include({ type: 'timer_paused', remaining_ms: 0 })
    })

    it('pauses a later phase under its own sequence', () => {
      const room = given([0, cmd.open()], [0, cmd.start], [60_000, cmd.deadline(10, 60_000)])
      const [paused] = when(room, 90_000, cmd.pause).facts
      expect(paused).to.deep.equal({ type: 'timer_paused', sequence: 20, remaining_ms: 90_000, at: iso(90_000) })
    })
  })

  describe('resuming a paused room', () => {
    it('resumeTimer produces timer_resumed with deadline = now + the frozen remaining time', () => {
      const { facts, after } = when(rooms.paused(), 100_000, cmd.resume)
      expect(facts).to.deep.equal([{ type: 'timer_resumed', sequence: 10, remaining_ms: 45_000, deadline: iso(145_000), at: iso(100_000) }])
      expect(roomState(after)).to.equal('running')
      expect(roomStatus(after, time(110_000)).timer_status).to.include({ remaining_time_seconds: 35, elapsed_time_seconds: 25 })
      expect(dueTimers(after)).to.deep.equal([
        { kind: 'deadline', sequence: 10, due_at: iso(145_000) },
        // The warning keeps its place in the phase: 12 s (20 %) before the deadline.
        { kind: 'warning', sequence: 10, due_at: iso(133_000) },
      ])
    })

    it('startTimer while paused resumes the same way', () => {
      const { facts } = when(rooms.paused(), 100_000, cmd.start)
      expect(facts).to.deep.equal([{ type: 'timer_resumed', sequence: 10, remaining_ms: 45_000, deadline: iso(145_000), at: iso(100_000) }])
    })

    it('pause, resume, pause adds up only the running time', () => {
      const room = given([0, cmd.open()], [0, cmd.start], [10_000, cmd.pause], [50_000, cmd.resume])
      const [paused] = when(room, 70_000, cmd.pause).facts
      expect(paused).to.include({ type: 'timer_paused', remaining_ms: 30_000 })
    })
  })

  describe('injecting problems and context', () => {
    for (const state of ['ready', 'running', 'paused'] as const) {
      it(`given a ${state} room, records injectProblem and injectContext as facts and notes without touching the clock`, () => {
        const room = rooms[state]()
        const problem = when(room, 20_000, cmd.problem)
        expect(problem.facts).to.deep.equal([
          { type: 'problem_injected', problem_id: 'p-1', problem_text: 'Reverse a list', problem_type: 'coding', difficulty: 'easy', at: iso(20_000) },
        ])
        const context = when(problem.after, 21_000, cmd.context)
        expect(context.facts).to.deep.equal([
          { type: 'context_injected', context_id: 'c-1', context_text: 'Candidate prefers Go', context_type: 'note', at: iso(21_000) },
        ])
        expect(roomState(context.after)).to.equal(state)
        expect(context.after.context.notes).to.deep.equal([
          { id: 'p-1', kind: 'problem', text: 'Reverse a list', type: 'coding', difficulty: 'easy', at: iso(20_000) },
          { id: 'c-1', kind: 'context', text: 'Candidate prefers Go', type: 'note', difficulty: null, at: iso(21_000) },
        ])
        const { notes: _a, ...clockBefore } = room.context
        const { notes: _b, ...clockAfter } = context.after.context
        expect(clockAfter).to.deep.equal(clockBefore)
      })
    }
  })

  describe('facts the state does not accept', () => {
    it('applyFact throws for a fact that does not fit (the store never holds one)', () => {
      const fact: RoomFact = { type: 'timer_resumed', sequence: 10, remaining_ms: 1, deadline: iso(1), at: iso(0) }
      expect(() => applyFact(rooms.running(), fact)).to.throw('fact timer_resumed is not accepted in state in_progress.running')
    })

    it('refuses a phase_started that is not for the first phase', () => {
      const fact: RoomFact = { type: 'phase_started', sequence: 20, question_id: 'q-20', question_type: null, duration_minutes: 2, instructions: '', deadline: iso(1), at: iso(0) }
      expect(rooms.ready().can(fact)).to.equal(false)
    })
  })
})
