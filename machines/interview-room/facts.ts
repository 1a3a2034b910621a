/**
 * The facts of an interview room: stored as events, and exactly the events the machine
 * transitions on. `at` (ISO time) is the only way time enters the machine.
 */

export interface Phase {
  sequence: number
  question_id: string
  question_type: string | null
  question_text: string | null
  duration_minutes: number
  instructions: string
}

export interface RoomOpened {
  type: 'room_opened'
  room_id: string
  session_id: string
  owner_id: string
  title: string
  phases: Phase[]
  /** Fraction of a phase after which `phase_warning` is due (0 < f < 1), or null for none. */
  warning_fraction: number | null
  /** The stored plan the phases came from; null for inline phases (and for rooms opened before schema v2). */
  plan_id: string | null
  at: string
}

export interface PhaseStarted {
  type: 'phase_started'
  sequence: number
  question_id: string
  question_type: string | null
  duration_minutes: number
  instructions: string
  deadline: string
  at: string
}

export interface TimerPaused {
  type: 'timer_paused'
  sequence: number
  remaining_ms: number
  at: string
}

export interface TimerResumed {
  type: 'timer_resumed'
  sequence: number
  remaining_ms: number
  deadline: string
  at: string
}

export interface TimerReset {
  type: 'timer_reset'
  scope: 'phase' | 'interview'
  /** The sequence the room is at after the reset. */
  sequence: number
  /** Set when the phase clock keeps running after a phase reset. */
  deadline: string | null
  at: string
}

export interface PhaseWarning {
  type: 'phase_warning'
  sequence: number
  remaining_ms: number
  late_ms: number
  at: string
}

export interface PhaseChanged {
  type: 'phase_changed'
  previous_sequence: number
  new_sequence: number
  question_id: string
  question_type: string | null
  duration_minutes: number
  instructions: string
  transition_count: number
  reason: 'timer' | 'skip'
  deadline: string
  late_ms: number
  at: string
}

export interface ProblemInjected {
  type: 'problem_injected'
  problem_id: string
  problem_text: string
  problem_type: string | null
  difficulty: string | null
  at: string
}

export interface ContextInjected {
  type: 'context_injected'
  context_id: string
  context_text: string
  context_type: string | null
  at: string
}

export interface InterviewCompleted {
  type: 'interview_completed'
  reason: 'timer' | 'skip' | 'ended'
  total_transitions: number
  session_duration_seconds: number
  session_duration_minutes: number
  total_planner_fields: number
  late_ms: number
  at: string
}

/** A candidate's browser (one RTCPeerConnection, `pc_id`) joined the room's bot. */
export interface PeerConnected {
  type: 'peer_connected'
  pc_id: string
  at: string
}

export interface PeerDisconnected {
  type: 'peer_disconnected'
  pc_id: string
  reason: 'closed' | 'failed' | 'restart' | 'shutdown'
  at: string
}

/** What the candidate said to the bot: typed on the data channel, or spoken and transcribed. */
export interface CandidateMessage {
  type: 'candidate_message'
  pc_id: string
  text: string
  /** The phase it was said in, or null before the first. */
  sequence: number | null
  /** Absent on typed messages (and on every message stored before voice). */
  source?: 'text' | 'voice'
  /** Spoken messages: when the utterance began, and how long it lasted. */
  started_at?: string
  duration_ms?: number
  at: string
}

/** One turn of the interview bot, as sent to the peer `pc_id`. */
export interface BotMessage {
  type: 'bot_message'
  pc_id: string
  text: string
  sequence: number | null
  at: string
}

/** Someone spoke on the peer `pc_id`'s audio: the candidate (heard) or the bot (played). */
export interface TalkRecorded {
  type: 'talk_recorded'
  pc_id: string
  speaker: 'candidate' | 'bot'
  started_at: string
  duration_ms: number
  /** The phase it is counted in (the one under way when it was recorded), or null outside the interview. */
  sequence: number | null
  at: string
}

/** The candidate's audio from one peer, saved under the room's recordings. */
export interface RecordingSaved {
  type: 'recording_saved'
  pc_id: string
  file: string
  duration_seconds: number
  size_bytes: number
  at: string
}

export type RoomFact =
  | RoomOpened
  | PhaseStarted
  | TimerPaused
  | TimerResumed
  | TimerReset
  | PhaseWarning
  | PhaseChanged
  | ProblemInjected
  | ContextInjected
  | InterviewCompleted
  | PeerConnected
  | PeerDisconnected
  | CandidateMessage
  | BotMessage
  | TalkRecorded
  | RecordingSaved

export type RoomFactType = RoomFact['type']

export const ROOM_FACT_TYPES = [
  'room_opened',
  'phase_started',
  'timer_paused',
  'timer_resumed',
  'timer_reset',
  'phase_warning',
  'phase_changed',
  'problem_injected',
  'context_injected',
  'interview_completed',
  'peer_connected',
  'peer_disconnected',
  'candidate_message',
  'bot_message',
  'talk_recorded',
  'recording_saved',
] as const satisfies readonly RoomFactType[]
