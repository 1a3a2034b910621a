import type { Phase } from './facts'

/** What a caller asks of a room. `decide` turns a command into facts, or refuses it. */
export type RoomCommand =
  | { type: 'openRoom'; room_id: string; session_id: string; owner_id: string; title: string; phases: Phase[]; warning_fraction: number | null; plan_id?: string | null }
  | { type: 'startTimer' }
  | { type: 'pauseTimer' }
  | { type: 'resumeTimer' }
  | { type: 'resetTimer'; scope: 'phase' | 'interview' }
  | { type: 'skipPhase' }
  | { type: 'endInterview' }
  | { type: 'injectProblem'; problem_id: string; problem_text: string; problem_type: string | null; difficulty: string | null }
  | { type: 'injectContext'; context_id: string; context_text: string; context_type: string | null }
  /** A durable timer came due: `due_at` is the deadline it was armed for. */
  | { type: 'timerDue'; kind: 'deadline' | 'warning'; sequence: number; due_at: string }
  /** Bookkeeping of the interview bot: peers, what was said, recordings. */
  | { type: 'connectPeer'; pc_id: string }
  | { type: 'disconnectPeer'; pc_id: string; reason: 'closed' | 'failed' | 'restart' | 'shutdown' }
  | { type: 'recordCandidateMessage'; pc_id: string; text: string; source?: 'text' | 'voice'; started_at?: string; duration_ms?: number }
  | { type: 'recordBotMessage'; pc_id: string; text: string }
  /** Speaking time: the candidate's utterance as heard, or the bot's audio as played. */
  | { type: 'recordTalk'; pc_id: string; speaker: 'candidate' | 'bot'; started_at: string; duration_ms: number }
  | { type: 'saveRecording'; pc_id: string; file: string; duration_seconds: number; size_bytes: number }

export type RoomCommandType = RoomCommand['type']

/** Commands the system issues (timers, the bot); never offered to a user as "allowed". */
export const INTERNAL_COMMANDS: readonly RoomCommandType[] = ['timerDue', 'connectPeer', 'disconnectPeer', 'recordCandidateMessage', 'recordBotMessage', 'recordTalk', 'saveRecording']

/** The commands a user could send, out of a state's allowed list. */
export const publicCommands = (allowed: readonly RoomCommandType[]): RoomCommandType[] => allowed.filter((c) => !INTERNAL_COMMANDS.includes(c))

/** A durable timer the room needs armed right now (derived from the snapshot, never stored in it). */
export interface DueTimer {
  kind: 'deadline' | 'warning'
  sequence: number
  due_at: string
}
