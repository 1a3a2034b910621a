import { addMs, currentPhase, msBetween, phaseDurationMs, type RoomContext } from './context'
import { publicCommands, type RoomCommand, type RoomCommandType } from './commands'
import type { CandidateMessage, InterviewCompleted, PhaseChanged, RoomFact } from './facts'
import { applyAccepted, roomState, type RoomSnapshot, type RoomState } from './snapshot'

/** The commands each state accepts; anything else is refused naming the state and this list. */
const BOT: RoomCommandType[] = ['connectPeer', 'disconnectPeer', 'recordCandidateMessage', 'recordBotMessage', 'recordTalk', 'saveRecording']

export const ALLOWED_COMMANDS: Record<RoomState, RoomCommandType[]> = {
  unopened: ['openRoom'],
  ready: ['startTimer', 'endInterview', 'injectProblem', 'injectContext', ...BOT],
  running: ['pauseTimer', 'resetTimer', 'skipPhase', 'endInterview', 'injectProblem', 'injectContext', 'timerDue', ...BOT],
  paused: ['startTimer', 'resumeTimer', 'resetTimer', 'skipPhase', 'endInterview', 'injectProblem', 'injectContext', ...BOT],
  // Over for the interview; a peer may still leave, the bot say goodbye (and be heard), a recording be saved.
  completed: ['disconnectPeer', 'recordBotMessage', 'recordTalk', 'saveRecording'],
}

/** A command the room's current state does not allow. */
export class CommandRefused extends Error {
  constructor(
    readonly command: RoomCommandType,
    readonly state: RoomState,
    readonly allowed: RoomCommandType[],
  ) {
    super(`${command} is not allowed while the room is ${state}; allowed: ${publicCommands(allowed).join(', ') || 'none'}`)
    this.name = 'CommandRefused'
  }
}

/**
 * Turns a command into the facts it causes, given the room as it is and the time now.
 * Pure. Returns [] for a stale timer (the room moved on since it was armed).
 */
export function decide(snapshot: RoomSnapshot, command: RoomCommand, now: Date): RoomFact[] {
  return decideAndFold(snapshot, command, now).facts
}

/** As {@link decide}, with the room as its facts leave it (the machine has just applied them to judge them). */
export function decideAndFold(snapshot: RoomSnapshot, command: RoomCommand, now: Date): { facts: RoomFact[]; snapshot: RoomSnapshot } {
  const state = roomState(snapshot)
  if (!ALLOWED_COMMANDS[state].includes(command.type)) {
    if (command.type === 'timerDue') return { facts: [], snapshot }
    throw new CommandRefused(command.type, state, ALLOWED_COMMANDS[state])
  }
  const facts = factsFor(snapshot.context, state, command, now.toISOString())
  // The machine is the judge: every fact must be accepted in turn, or nothing is.
  let next = snapshot
  for (const fact of facts) {
    if (!next.can(fact)) throw new CommandRefused(command.type, state, ALLOWED_COMMANDS[state])
    next = applyAccepted(next, fact)
  }
  return { facts, snapshot: next }
}

function factsFor(ctx: RoomContext, state: RoomState, command: RoomCommand, at: string): RoomFact[] {
  const phase = currentPhase(ctx)
  switch (command.type) {
    case 'openRoom': {
      const { type: _type, ...rest } = command
      return [{ type: 'room_opened', ...rest, plan_id: rest.plan_id ?? null, at }]
    }
    case 'startTimer':
      return state === 'paused' ? [resumed(ctx, at)] : [started(ctx, at)]
    case 'resumeTimer':
      return [resumed(ctx, at)]
    case 'pauseTimer':
      return [{ type: 'timer_paused', sequence: phase!.sequence, remaining_ms: remainingAt(ctx, at), at }]
    case 'resetTimer':
      if (command.scope === 'interview') return [{ type: 'timer_reset', scope: 'interview', sequence: ctx.phases[0]!.sequence, deadline: null, at }]
      return [{ type: 'timer_reset', scope: 'phase', sequence: phase!.sequence, deadline: state === 'running' ? addMs(at, phaseDurationMs(phase!)) : null, at }]
    case 'skipPhase':
      return [advance(ctx, at, at, 'skip')]
    case 'endInterview':
      return [completed(ctx, at, at, 'ended')]
    case 'injectProblem': {
      const { type: _type, ...rest } = command
      return [{ type: 'problem_injected', ...rest, at }]
    }
    case 'injectContext': {
      const { type: _type, ...rest } = command
      return [{ type: 'context_injected', ...rest, at }]
    }
    case 'timerDue':
      return timerDue(ctx, command, at)
    case 'connectPeer':
      return ctx.peers.includes(command.pc_id) ? [] : [{ type: 'peer_connected', pc_id: command.pc_id, at }]
    case 'disconnectPeer':
      return ctx.peers.includes(command.pc_id) ? [{ type: 'peer_disconnected', pc_id: command.pc_id, reason: command.reason, at }] : []
    case 'recordCandidateMessage': {
      const fact: CandidateMessage = { type: 'candidate_message', pc_id: command.pc_id, text: command.text, sequence: sequenceNow(ctx, state), at }
      // A typed message keeps the shape it always had; a spoken one says when and for how long.
      if (command.source === 'voice') Object.assign(fact, { source: 'voice', started_at: command.started_at ?? at, duration_ms: command.duration_ms ?? 0 })
      return [fact]
    }
    case 'recordBotMessage':
      return [{ type: 'bot_message', pc_id: command.pc_id, text: command.text, sequence: sequenceNow(ctx, state), at }]
    case 'recordTalk': {
      const { type: _type, ...rest } = command
      return [{ type: 'talk_recorded', ...rest, sequence: sequenceNow(ctx, state), at }]
    }
    case 'saveRecording': {
      const { type: _type, ...rest } = command
      return [{ type: 'recording_saved', ...rest, at }]
    }
    default: {
      const never: never = command
      throw new Error(`unknown command ${(never as RoomCommand).type}`)
    }
  }
}

/** The phase under way (or paused), else null: before the start and after the end nothing is. */
function sequenceNow(ctx: RoomContext, state: RoomState): number | null {
  return state === 'running' || state === 'paused' ? (currentPhase(ctx)?.sequence ?? null) : null
}

/** A due timer is honoured only if it is still the one the room would arm now. */
function timerDue(ctx: RoomContext, command: Extract<RoomCommand, { type: 'timerDue' }>, now: string): RoomFact[] {
  const phase = currentPhase(ctx)
  if (!phase || phase.sequence !== command.sequence || !ctx.deadline) return []
  const lateMs = Math.max(0, msBetween(command.due_at, now))
  if (command.kind === 'deadline') {
    if (command.due_at !== ctx.deadline) return []
    return [advance(ctx, command.due_at, now, 'timer')]
  }
  const warningAt = warningDueAt(ctx)
  if (ctx.warned || warningAt !== command.due_at) return []
  return [{ type: 'phase_warning', sequence: phase.sequence, remaining_ms: msBetween(command.due_at, ctx.deadline), late_ms: lateMs, at: command.due_at }]
}

/** When the current phase's warning is due, if it has one and it is not yet given. */
export function warningDueAt(ctx: RoomContext): string | null {
  const phase = currentPhase(ctx)
  if (!phase || !ctx.deadline || ctx.warned || ctx.warning_fraction === null) return null
  // While running, the clock last (re)started at deadline − remaining_ms: a warning a pause beat to it is given then, never before.
  return addMs(ctx.deadline, -Math.min(ctx.remaining_ms, Math.round((1 - ctx.warning_fraction) * phaseDurationMs(phase))))
}

function remainingAt(ctx: RoomContext, at: string): number {
  return ctx.deadline ? Math.max(0, msBetween(at, ctx.deadline)) : ctx.remaining_ms
}

function started(ctx: RoomContext, at: string): RoomFact {
  const first = ctx.phases[0]!
  return {
    type: 'phase_started',
    sequence: first.sequence,
    question_id: first.question_id,
    question_type: first.question_type,
    duration_minutes: first.duration_minutes,
    instructions: first.instructions,
    deadline: addMs(at, phaseDurationMs(first)),
    at,
  }
}

function resumed(ctx: RoomContext, at: string): RoomFact {
  return { type: 'timer_resumed', sequence: currentPhase(ctx)!.sequence, remaining_ms: ctx.remaining_ms, deadline: addMs(at, ctx.remaining_ms), at }
}

/** The next phase, or the end after the last one. `at` is when it happened (a timer's deadline), `now` when it was noticed. */
function advance(ctx: RoomContext, at: string, now: string, reason: 'timer' | 'skip'): PhaseChanged | InterviewCompleted {
  const next = ctx.phases[ctx.index + 1]
  const lateMs = Math.max(0, msBetween(at, now))
  if (!next) return completed(ctx, at, now, reason)
  return {
    type: 'phase_changed',
    previous_sequence: currentPhase(ctx)!.sequence,
    new_sequence: next.sequence,
    question_id: next.question_id,
    question_type: next.question_type,
    duration_minutes: next.duration_minutes,
    instructions: next.instructions,
    transition_count: ctx.transition_count + 1,
    reason,
    deadline: addMs(at, phaseDurationMs(next)),
    late_ms: lateMs,
    at,
  }
}

function completed(ctx: RoomContext, at: string, now: string, reason: InterviewCompleted['reason']): InterviewCompleted {
  const seconds = ctx.started_at ? Math.max(0, Math.round(msBetween(ctx.started_at, at) / 1000)) : 0
  return {
    type: 'interview_completed',
    reason,
    total_transitions: ctx.transition_count,
    session_duration_seconds: seconds,
    session_duration_minutes: Math.round((seconds / 60) * 100) / 100,
    total_planner_fields: ctx.phases.length,
    late_ms: Math.max(0, msBetween(at, now)),
    at,
  }
}
