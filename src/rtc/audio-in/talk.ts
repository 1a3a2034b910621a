import type { RoomCommand } from '../../../machines/interview-room'
import type { Utterance } from './segmenter'

/** 20 ms per Opus frame the bot plays. */
const FRAME_MS = 20

/**
 * What the bot records for an utterance it heard, at once: the candidate's talk time. `start_ms`
 * must be on the wall clock (Hearing given `Date.now()` as each packet's arrival time).
 */
export function candidateTalk(pcId: string, utterance: Pick<Utterance, 'start_ms' | 'duration_ms'>): RoomCommand {
  return { type: 'recordTalk', pc_id: pcId, speaker: 'candidate', started_at: new Date(utterance.start_ms).toISOString(), duration_ms: Math.round(utterance.duration_ms) }
}

/** The candidate's message once the utterance is transcribed; null for a transcript with no words. */
export function spokenMessage(pcId: string, utterance: Pick<Utterance, 'start_ms' | 'duration_ms'>, text: string): RoomCommand | null {
  const words = text.trim()
  if (!words) return null
  return { type: 'recordCandidateMessage', pc_id: pcId, text: words, source: 'voice', started_at: new Date(utterance.start_ms).toISOString(), duration_ms: Math.round(utterance.duration_ms) }
}

/** The bot's talk time: `frames` Opus frames played from `startedAtMs` (wall clock), stopped early or not. */
export function botTalk(pcId: string, startedAtMs: number, frames: number): RoomCommand {
  return { type: 'recordTalk', pc_id: pcId, speaker: 'bot', started_at: new Date(startedAtMs).toISOString(), duration_ms: frames * FRAME_MS }
}
