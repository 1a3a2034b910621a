import { expect } from 'chai'
import {
  CommandRefused,
  decide,
  foldFacts,
  initialRoomSnapshot,
  type Phase,
  type RoomCommand,
  type RoomCommandType,
  type RoomFact,
  type RoomSnapshot,
  type RoomState,
} from '../../../machines/interview-room/index'

/** Every test clock counts milliseconds from this instant. */
export const T0 = Date.parse('2025-03-03T09:00:00.000Z')
export const time = (ms: number): Date => new Date(T0 + ms)
export const iso = (ms: number): string => time(ms).toISOString()

export const MIN = 60_000

export const phase = (sequence: number, duration_minutes: number): Phase => ({
  sequence,
  question_id: `q-${sequence}`,
  question_type: sequence === 20 ? null : 'coding',
  question_text: `Question ${sequence}?`,
  duration_minutes,
  instructions: `Instructions for ${sequence}`,
})

/** 1 min, 2 min, 30 s: 210 s in all. */
export const PLAN: Phase[] = [phase(10, 1), phase(20, 2), phase(30, 0.5)]

export const cmd = {
  open: (phases: Phase[] = PLAN, warning_fraction: number | null = 0.8): RoomCommand => ({
    type: 'openRoom',
    room_id: 'room-1',
    session_id: 'session-1',
    owner_id: 'user-1',
    title: 'Mock interview',
    phases,
    warning_fraction,
  }),
  start: { type: 'startTimer' } as RoomCommand,
  pause: { type: 'pauseTimer' } as RoomCommand,
  resume: { type: 'resumeTimer' } as RoomCommand,
  resetPhase: { type: 'resetTimer', scope: 'phase' } as RoomCommand,
  resetInterview: { type: 'resetTimer', scope: 'interview' } as RoomCommand,
  skip: { type: 'skipPhase' } as RoomCommand,
  end: { type: 'endInterview' } as RoomCommand,
  problem: { type: 'injectProblem', problem_id: 'p-1', problem_text: 'Reverse a list', problem_type: 'coding', difficulty: 'easy' } as RoomCommand,
  context: { type: 'injectContext', context_id: 'c-1', context_text: 'Candidate prefers Go', context_type: 'note' } as RoomCommand,
  deadline: (sequence: number, dueMs: number): RoomCommand => ({ type: 'timerDue', kind: 'deadline', sequence, due_at: iso(dueMs) }),
  warning: (sequence: number, dueMs: number): RoomCommand => ({ type: 'timerDue', kind: 'warning', sequence, due_at: iso(dueMs) }),
  connect: (pc_id: string): RoomCommand => ({ type: 'connectPeer', pc_id }),
  disconnect: (pc_id: string): RoomCommand => ({ type: 'disconnectPeer', pc_id, reason: 'closed' }),
  candidateSays: (pc_id: string, text = 'I would use a hash map'): RoomCommand => ({ type: 'recordCandidateMessage', pc_id, text }),
  botSays: (pc_id: string, text = 'Tell me more.'): RoomCommand => ({ type: 'recordBotMessage', pc_id, text }),
  /** Speaking time: `speaker` talked on `pc_id` for `ms` from `startMs`. */
  talk: (pc_id: string, speaker: 'candidate' | 'bot', startMs: number, ms: number): RoomCommand => ({ type: 'recordTalk', pc_id, speaker, started_at: iso(startMs), duration_ms: ms }),
  saveRecording: (pc_id: string): RoomCommand => ({ type: 'saveRecording', pc_id, file: `${pc_id}.webm`, duration_seconds: 12.5, size_bytes: 4_096 }),
}

export type Step = [ms: number, command: RoomCommand]

/** The room after these commands, each decided at its time and its facts applied: "given". */
export function given(...steps: Step[]): RoomSnapshot {
  return history(...steps).snapshot
}

/** The facts a room's commands produced, and the room they leave behind. */
export function history(...steps: Step[]): { snapshot: RoomSnapshot; facts: RoomFact[] } {
  let snapshot = initialRoomSnapshot()
  const facts: RoomFact[] = []
  for (const [ms, command] of steps) {
    const produced = decide(snapshot, command, time(ms))
    facts.push(...produced)
    snapshot = foldFacts(produced, snapshot)
  }
  return { snapshot, facts }
}

/** "When": decides one command and also returns the room after its facts. */
export function when(snapshot: RoomSnapshot, ms: number, command: RoomCommand): { facts: RoomFact[]; after: RoomSnapshot } {
  const facts = decide(snapshot, command, time(ms))
  return { facts, after: foldFacts(facts, snapshot) }
}

/** Asserts the command is refused, naming the state and exactly the allowed commands. */
export function expectRefused(snapshot: RoomSnapshot, command: RoomCommand, state: RoomState, allowed: RoomCommandType[]): void {
  let error: unknown
  try {
    decide(snapshot, command, time(0))
  } catch (e) {
    error = e
  }
  expect(error, `${command.type} should be refused`).to.be.instanceOf(CommandRefused)
  const refused = error as CommandRefused
  expect(refused.command).to.equal(command.type)
  expect(refused.state).to.equal(state)
  expect(refused.allowed).to.deep.equal(allowed)
  expect(refused.message).to.include(state)
}

/** Rooms in each state, on the default plan; the room started at 0 ms. */
export const rooms = {
  unopened: () => initialRoomSnapshot(),
  ready: () => given([0, cmd.open()], [0, cmd.connect('pc-1')]),
  running: () => given([0, cmd.open()], [0, cmd.connect('pc-1')], [0, cmd.start]),
  /** Paused 15 s into the first phase, 45 s left. */
  paused: () => given([0, cmd.open()], [0, cmd.connect('pc-1')], [0, cmd.start], [15_000, cmd.pause]),
  completed: () => given([0, cmd.open()], [0, cmd.connect('pc-1')], [0, cmd.start], [5_000, cmd.end]),
}
