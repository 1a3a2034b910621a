import { z } from 'zod'
import type { RoomFact } from '../../machines/interview-room'
import type { StoredEvent } from '../event-store'

const iso = z.string().datetime({ offset: true })
const seq = z.number().int()
const nullableText = z.string().nullable()

const Phase = z.object({
  sequence: seq,
  question_id: z.string(),
  question_type: nullableText,
  question_text: nullableText,
  duration_minutes: z.number().positive(),
  instructions: z.string(),
})

const PhaseFields = { question_id: z.string(), question_type: nullableText, duration_minutes: z.number(), instructions: z.string() }

/** Stored room facts, validated as they are read back from the database. */
export const RoomFactSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('room_opened'), room_id: z.string(), session_id: z.string(), owner_id: z.string(), title: z.string(), phases: z.array(Phase), warning_fraction: z.number().nullable(), at: iso }),
  z.object({ type: z.literal('phase_started'), sequence: seq, ...PhaseFields, deadline: iso, at: iso }),
  z.object({ type: z.literal('timer_paused'), sequence: seq, remaining_ms: z.number(), at: iso }),
  z.object({ type: z.literal('timer_resumed'), sequence: seq, remaining_ms: z.number(), deadline: iso, at: iso }),
  z.object({ type: z.literal('timer_reset'), scope: z.enum(['phase', 'interview']), sequence: seq, deadline: iso.nullable(), at: iso }),
  z.object({ type: z.literal('phase_warning'), sequence: seq, remaining_ms: z.number(), late_ms: z.number(), at: iso }),
  z.object({
    type: z.literal('phase_changed'),
    previous_sequence: seq,
    new_sequence: seq,
    ...PhaseFields,
    transition_count: z.number().int(),
    reason: z.enum(['timer', 'skip']),
    deadline: iso,
    late_ms: z.number(),
    at: iso,
  }),
  z.object({ type: z.literal('problem_injected'), problem_id: z.string(), problem_text: z.string(), problem_type: nullableText, difficulty: nullableText, at: iso }),
  z.object({ type: z.literal('context_injected'), context_id: z.string(), context_text: z.string(), context_type: nullableText, at: iso }),
  z.object({
    type: z.literal('interview_completed'),
    reason: z.enum(['timer', 'skip', 'ended']),
    total_transitions: z.number().int(),
    session_duration_seconds: z.number(),
    session_duration_minutes: z.number(),
    total_planner_fields: z.number().int(),
    late_ms: z.number(),
    at: iso,
  }),
  z.object({ type: z.literal('peer_connected'), pc_id: z.string(), at: iso }),
  z.object({ type: z.literal('peer_disconnected'), pc_id: z.string(), reason: z.enum(['closed', 'failed', 'restart', 'shutdown']), at: iso }),
  z.object({
    type: z.literal('candidate_message'),
    pc_id: z.string(),
    text: z.string(),
    sequence: seq.nullable(),
    // Stored before voice: none of these, and such a message was typed.
    source: z.enum(['text', 'voice']).optional(),
    started_at: iso.optional(),
    duration_ms: z.number().nonnegative().optional(),
    at: iso,
  }),
  z.object({ type: z.literal('bot_message'), pc_id: z.string(), text: z.string(), sequence: seq.nullable(), at: iso }),
  z.object({
    type: z.literal('talk_recorded'),
    pc_id: z.string(),
    speaker: z.enum(['candidate', 'bot']),
    started_at: iso,
    duration_ms: z.number().nonnegative(),
    sequence: seq.nullable(),
    at: iso,
  }),
  z.object({ type: z.literal('recording_saved'), pc_id: z.string(), file: z.string(), duration_seconds: z.number(), size_bytes: z.number().int(), at: iso }),
])

/** The fact a stored room event holds; throws if the stored payload is not a valid fact. */
export function factOf(event: Pick<StoredEvent, 'type' | 'data'>): RoomFact {
  return RoomFactSchema.parse({ ...(event.data as object), type: event.type }) as RoomFact
}

/** The payload stored for a fact (its type lives in its own column). */
export function dataOf(fact: RoomFact): Omit<RoomFact, 'type'> {
  const { type: _type, ...data } = fact
  return data
}

export const roomStream = (roomId: string): string => `room-${roomId}`
