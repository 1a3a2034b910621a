import { datetimeRegex, z } from 'zod'
import { applyFact, MACHINE_VERSION, ROOM_FACT_TYPES, stateValuePath, type RoomFact, type RoomSnapshot } from '../../machines/interview-room'
import type { EventMetadata, NewEvent, StoredEvent } from '../event-store'
import { currentFactVersion, FactReadError, upcast, type FactReadStage } from './fact-versions'

// z.string().datetime() compiles its RegExp again on every parse (zod 3.25): a stored fact carries
// several times, and every read of the log parses each fact. The same pattern, compiled once.
const iso = z.string().regex(datetimeRegex({ offset: true, local: false, precision: null }), 'Invalid datetime')
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
  z.object({
    type: z.literal('room_opened'),
    room_id: z.string(),
    session_id: z.string(),
    owner_id: z.string(),
    title: z.string(),
    phases: z.array(Phase),
    warning_fraction: z.number().nullable(),
    plan_id: z.string().nullable(),
    at: iso,
  }),
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

/**
 * A stored room event as read back: its schema version is in its metadata (`schema_version`),
 * or in a column of that name when only the facts were selected; absent means version 1.
 */
export type StoredFact = Pick<StoredEvent, 'type' | 'data'> & { metadata?: EventMetadata; schema_version?: number | null }

/** The schema version a stored fact was written with. */
export function schemaVersionOf(event: StoredFact): number {
  const version = event.schema_version ?? event.metadata?.schema_version ?? 1
  return typeof version === 'number' && Number.isInteger(version) && version >= 1 ? version : Number.NaN
}

/**
 * The fact a stored room event holds, in today's shape: the one read path for stored facts.
 * An older payload goes through its upcasters first; a newer one (written by newer code during a
 * rolling deploy) is read as today's version if it still parses as one. Throws FactReadError
 * naming the version and the step that failed.
 */
export function factOf(event: StoredFact & { stream_position?: number }): RoomFact {
  const { type } = event
  const stored = schemaVersionOf(event)
  const current = currentFactVersion(type)
  const fail = (stage: FactReadStage, failedAt: number, reason: string) => new FactReadError({ type, storedVersion: stored, failedAt, stage, reason, position: event.stream_position })
  if (!KNOWN_TYPES.has(type)) throw fail('newer', current, 'a fact type this code does not know')
  if (!(stored >= 1)) throw fail('schema', stored, `schema_version ${JSON.stringify(event.schema_version ?? event.metadata?.schema_version)} is not a whole number ≥ 1`)
  let data = event.data
  try {
    if (stored < current) data = upcast(type, stored, data)
  } catch (error) {
    if (error instanceof FactReadError) throw new FactReadError({ ...error.failure, position: event.stream_position })
    throw error
  }
  const parsed = RoomFactSchema.safeParse({ ...(data as object), type })
  if (parsed.success) return parsed.data as RoomFact
  throw fail(stored > current ? 'newer' : 'schema', current, zodReason(parsed.error))
}

const KNOWN_TYPES = new Set<string>(ROOM_FACT_TYPES)

/**
 * Applies a stored event to the room: read into today's fact, then through the machine. A fact
 * the machine does not accept where the room stands is a FactReadError too (stage `machine`).
 */
export function applyStored(snapshot: RoomSnapshot, event: StoredFact & { stream_position?: number }, fact: RoomFact = factOf(event)): { snapshot: RoomSnapshot; fact: RoomFact } {
  try {
    return { snapshot: applyFact(snapshot, fact), fact }
  } catch (error) {
    const reason = `not accepted in state ${stateValuePath(snapshot)}${error instanceof Error && !error.message.includes('not accepted') ? ` (${error.message})` : ''}`
    throw new FactReadError({ type: fact.type, storedVersion: schemaVersionOf(event), failedAt: MACHINE_VERSION, stage: 'machine', reason, position: event.stream_position })
  }
}

const zodReason = (error: z.ZodError): string => error.issues.map((i) => `${i.path.join('.') || '(fact)'}: ${i.message}`).join('; ')

/** The event stored for a fact: written at today's schema version, with the machine version that decided it. */
export function eventOf(fact: RoomFact, metadata: EventMetadata = {}): NewEvent {
  return { type: fact.type, data: dataOf(fact), metadata: { ...metadata, schema_version: currentFactVersion(fact.type), machine_version: MACHINE_VERSION } }
}

/** The payload stored for a fact (its type lives in its own column). */
export function dataOf(fact: RoomFact): Omit<RoomFact, 'type'> {
  const { type: _type, ...data } = fact
  return data
}

export const roomStream = (roomId: string): string => `room-${roomId}`
