import { currentPhase, msBetween, phaseDurationMs, type PhaseTalk } from './context'
import type { DueTimer } from './commands'
import { warningDueAt } from './decide'
import { roomState, stateValuePath, type RoomSnapshot, type RoomState } from './snapshot'

const seconds = (ms: number) => Math.round(ms / 100) / 10

/** Timer status at `now`, computed from the snapshot and the clock, never from a countdown. */
export function roomStatus(snapshot: RoomSnapshot, now: Date) {
  const ctx = snapshot.context
  const state: RoomState = roomState(snapshot)
  const phase = currentPhase(ctx)
  const durationMs = phase ? phaseDurationMs(phase) : 0
  const remainingMs = state === 'completed' ? 0 : ctx.deadline ? Math.max(0, msBetween(now.toISOString(), ctx.deadline)) : ctx.remaining_ms
  const elapsedMs = durationMs - remainingMs
  const laterMs = ctx.phases.slice(ctx.index + 1).reduce((sum, p) => sum + phaseDurationMs(p), 0)
  const totalMs = ctx.phases.reduce((sum, p) => sum + phaseDurationMs(p), 0)
  const interviewRemainingMs = state === 'completed' ? 0 : remainingMs + laterMs
  return {
    state,
    state_value: stateValuePath(snapshot),
    timer_status: {
      is_running: state === 'running',
      is_paused: state === 'paused',
      current_sequence: phase?.sequence ?? null,
      remaining_time_seconds: seconds(remainingMs),
      elapsed_time_seconds: seconds(elapsedMs),
      progress_percentage: durationMs > 0 ? Math.round((elapsedMs / durationMs) * 1000) / 10 : 0,
      phase_duration_seconds: seconds(durationMs),
      deadline: ctx.deadline,
      phase_index: ctx.index,
      total_phases: ctx.phases.length,
      transition_count: ctx.transition_count,
      interview_total_seconds: seconds(totalMs),
      interview_remaining_seconds: seconds(interviewRemainingMs),
      interview_elapsed_seconds: seconds(totalMs - interviewRemainingMs),
      started_at: ctx.started_at,
      completed_at: ctx.completed_at,
      talk: talkStatus(ctx.talk),
    },
    interview_context: {
      title: ctx.title,
      current_planner: phase
        ? {
            sequence: phase.sequence,
            question_id: phase.question_id,
            duration: phase.duration_minutes,
            question_type: phase.question_type,
            question_text: phase.question_text,
            instructions: phase.instructions,
          }
        : null,
      total_planner_fields: ctx.phases.length,
      injected: ctx.notes,
    },
  }
}

export type RoomStatus = ReturnType<typeof roomStatus>

/** The durable timers the room needs armed in its current state (none unless running). */
export function dueTimers(snapshot: RoomSnapshot): DueTimer[] {
  const ctx = snapshot.context
  const phase = currentPhase(ctx)
  if (roomState(snapshot) !== 'running' || !phase || !ctx.deadline) return []
  const timers: DueTimer[] = [{ kind: 'deadline', sequence: phase.sequence, due_at: ctx.deadline }]
  const warning = warningDueAt(ctx)
  if (warning && warning < ctx.deadline) timers.push({ kind: 'warning', sequence: phase.sequence, due_at: warning })
  return timers
}

/** Who spoke how long: the interview's totals and each phase's (sequence null: before the start or after the end). */
function talkStatus(talk: PhaseTalk[]) {
  return {
    candidate_seconds: seconds(talk.reduce((sum, t) => sum + t.candidate_ms, 0)),
    bot_seconds: seconds(talk.reduce((sum, t) => sum + t.bot_ms, 0)),
    phases: talk.map((t) => ({ sequence: t.sequence, candidate_seconds: seconds(t.candidate_ms), bot_seconds: seconds(t.bot_ms) })),
  }
}
