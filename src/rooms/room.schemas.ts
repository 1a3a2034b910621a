import { z } from 'koa-swagger-decorator'
import { Phases } from '../plans/plan.schemas'
import { IDEMPOTENCY_KEY } from '../http/command-headers'

export const RoomId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 of letters, digits, _ and -')
export const RoomParams = z.object({ room_id: RoomId })

// Stream positions are int4 in the database: a larger number is bad input, not a database error.
const MAX_VERSION = 2_147_483_647

// For the document only: the router does not read headers; src/http/command-headers.ts checks them (400 naming the header).
const IdempotencyKeyHeader = z.string().regex(IDEMPOTENCY_KEY).optional().openapi({
  description:
    'Makes a retry safe: for 24 h the same key (per user) with the same request answers the first answer again (Idempotent-Replayed: true) and writes nothing; with another request it is a 422. May be sent quoted.',
  example: '3f0c1c1e-7f0e-4f0a-9a57-5d1d9d2f6a10',
})

/** The optional headers of a command on an existing room. */
export const CommandHeaders = z.object({
  'idempotency-key': IdempotencyKeyHeader,
  'if-match': z
    .string()
    .optional()
    .openapi({ description: 'The room\'s version as its ETag ("7"; a list or * also): if the room has moved on, 412 with the current version, and nothing is written.', example: '"7"' }),
})

/** start-interview creates the room: an Idempotency-Key, but no If-Match. */
export const StartInterviewHeaders = z.object({ 'idempotency-key': IdempotencyKeyHeader })

export const StartInterviewBody = z
  .object({
    room_id: RoomId,
    mock_interview_id: z.string().uuid('must be a UUID').optional(),
    phases: Phases.optional(),
    title: z.string().trim().min(1).max(200).optional(),
    // Lower-cased: it becomes the room's owner_id, compared as text with the caller's id.
    user_id: z.string().uuid('must be a UUID').transform((id) => id.toLowerCase()).optional(),
    /** Fraction of each phase after which phase_warning is sent; null turns warnings off. */
    warning_fraction: z.number().gt(0).lt(1).nullable().optional(),
  })
export type StartInterviewBody = z.infer<typeof StartInterviewBody>

export const ResetBody = z.object({ scope: z.enum(['phase', 'interview']).default('phase') })

export const InjectProblemBody = z.object({
  room_id: RoomId,
  problem_text: z.string().trim().min(1).max(20_000),
  problem_type: z.string().trim().max(100).optional(),
  difficulty: z.string().trim().max(50).optional(),
})
export type InjectProblemBody = z.infer<typeof InjectProblemBody>

export const InjectContextBody = z.object({
  room_id: RoomId,
  context_text: z.string().trim().min(1).max(20_000),
  context_type: z.string().trim().max(100).optional(),
})
export type InjectContextBody = z.infer<typeof InjectContextBody>

export const StateQuery = z
  .object({
    version: z.coerce.number().int().min(0).max(MAX_VERSION).optional(),
    at: z.string().datetime({ offset: true, message: 'must be an ISO 8601 time' }).optional(),
  })
export type StateQuery = z.infer<typeof StateQuery>

export const HistoryQuery = z.object({
  from_version: z.coerce.number().int().min(1).max(MAX_VERSION).default(1),
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
})
export type HistoryQuery = z.infer<typeof HistoryQuery>

export const RoomListQuery = z.object({
  state: z.enum(['ready', 'running', 'paused', 'completed', 'open']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
})
export type RoomListQuery = z.infer<typeof RoomListQuery>

export const EventsQuery = z.object({
  last_event_id: z.coerce.number().int().min(0).max(2_147_483_647).optional(),
  access_token: z.string().max(4_096).optional(),
})
export type EventsQuery = z.infer<typeof EventsQuery>
