import type { InjectedNote, Phase, RoomSnapshot, RoomState } from '../../../machines/interview-room'
import { currentPhase, roomState } from '../../../machines/interview-room'

/** What happened in the room, as the bot hears it. */
export type BotEvent =
  | { type: 'joined' }
  | { type: 'phase_started' | 'phase_changed' }
  | { type: 'phase_warning'; remaining_seconds: number }
  | { type: 'timer_paused' | 'timer_resumed' }
  | { type: 'candidate_message'; text: string }
  | { type: 'problem_injected' | 'context_injected'; text: string }
  | { type: 'interview_completed' }

/** The room as the bot sees it when it speaks. */
export interface RoomView {
  title: string
  state: RoomState
  phase: Phase | null
  /** 1-based position of the current phase, and how many there are. */
  position: number
  total: number
  /** Injected problems and context, oldest first: added to, never replaced. */
  notes: InjectedNote[]
}

/** The interview bot's mind: one per peer, called with one event at a time, in order. */
export interface Interviewer {
  /** What the bot says next, or null to stay quiet. */
  respond(event: BotEvent, room: RoomView): Promise<string | null>
}

export type InterviewerFactory = () => Interviewer

export function roomView(snapshot: RoomSnapshot): RoomView {
  const ctx = snapshot.context
  return {
    title: ctx.title,
    state: roomState(snapshot),
    phase: currentPhase(ctx) ?? null,
    position: ctx.index + 1,
    total: ctx.phases.length,
    notes: ctx.notes,
  }
}

/** "2 minutes", "30 seconds". */
export function spokenDuration(minutes: number): string {
  if (minutes >= 1) {
    const rounded = Math.round(minutes * 10) / 10
    return `${rounded} minute${rounded === 1 ? '' : 's'}`
  }
  const seconds = Math.round(minutes * 60)
  return `${seconds} second${seconds === 1 ? '' : 's'}`
}
