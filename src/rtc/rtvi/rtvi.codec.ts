import { z } from 'koa-swagger-decorator'
import { CandidateText } from '../rtc.schemas'

/**
 * RTVI 2.x, the protocol of the stock Pipecat clients (`@pipecat-ai/client-js` with
 * `@pipecat-ai/small-webrtc-transport`): what a data-channel message is, and the messages the bot
 * sends. Pure: no peer, no room.
 */
export const RTVI_LABEL = 'rtvi-ai'
export const RTVI_PROTOCOL_VERSION = '2.1.0'

const Id = z.string().max(100).optional()

/** The client messages the bot acts on, each checked whole. */
export const RtviRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('client-ready'), id: Id, data: z.object({ version: z.string().max(40), about: z.unknown().optional() }) }),
  z.object({ type: z.literal('disconnect-bot'), id: Id, data: z.unknown().optional() }),
  z.object({ type: z.literal('send-text'), id: Id, data: z.object({ content: CandidateText, options: z.record(z.unknown()).optional() }) }),
  z.object({
    type: z.literal('append-to-context'),
    id: Id,
    data: z.object({ role: z.literal('user', { errorMap: () => ({ message: 'only the candidate ("user") may add to the conversation' }) }), content: CandidateText, run_immediately: z.boolean().optional() }),
  }),
  z.object({ type: z.literal('client-message'), id: Id, data: z.object({ t: z.string().min(1).max(100), d: z.unknown().optional() }) }),
])
export type RtviRequest = z.infer<typeof RtviRequest>

/** Client messages of RTVI 2.1 that this bot has no use for: refused by name, not as unknown. */
const UNSUPPORTED = new Set(['llm-function-call-result', 'dtmf', 'ui-event', 'ui-snapshot', 'ui-cancel-job-group'])

/** One data-channel message, as the bot reads it. */
export type Inbound =
  /** The transport's `"ping: <ms>"` keep-alive (or ours, `{"type":"ping"}`, handled by our protocol). */
  | { kind: 'keepalive' }
  /** The transport's own unlabelled messages (`trackStatus`): nothing to answer. */
  | { kind: 'signalling'; message: unknown }
  | { kind: 'rtvi'; request: RtviRequest }
  /** A labelled message the bot refuses: the type it claimed and why. */
  | { kind: 'rtvi_refused'; id?: string; type: string; error: string }
  /** Unlabelled JSON: our own protocol, checked by its own schema. */
  | { kind: 'ours'; value: unknown }
  | { kind: 'malformed' }

export function parseInbound(text: string): Inbound {
  if (text.startsWith('ping')) return { kind: 'keepalive' }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { kind: 'malformed' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'malformed' }
  const message = value as Record<string, unknown>
  if (message.label !== RTVI_LABEL) return message.type === 'signalling' && !('label' in message) ? { kind: 'signalling', message: message.message } : { kind: 'ours', value }
  const id = typeof message.id === 'string' && message.id.length <= 100 ? message.id : undefined
  const type = typeof message.type === 'string' ? message.type.slice(0, 100) : ''
  if (!type) return { kind: 'rtvi_refused', id, type, error: 'An RTVI message needs a type' }
  if (UNSUPPORTED.has(type)) return { kind: 'rtvi_refused', id, type, error: `RTVI message type "${type}" is not supported by this bot` }
  const parsed = RtviRequest.safeParse(message)
  if (parsed.success) return { kind: 'rtvi', request: parsed.data }
  const known = RtviRequest.options.some((option) => option.shape.type.value === type)
  if (!known) return { kind: 'rtvi_refused', id, type, error: `Unknown RTVI message type "${type}"` }
  return { kind: 'rtvi_refused', id, type, error: `Invalid ${type}: ${describeIssues(parsed.error)}` }
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'message'}: ${issue.message}`).join('; ')
}

export interface RtviMessage {
  label: typeof RTVI_LABEL
  type: string
  id?: string
  data: unknown
}

/** A bot → client message; `id` only on answers to a request. */
export function rtvi(type: string, data: unknown = {}, id?: string): RtviMessage {
  return id === undefined ? { label: RTVI_LABEL, type, data } : { label: RTVI_LABEL, type, id, data }
}

export const botReady = (about: { library: string; library_version: string }, id?: string) => rtvi('bot-ready', { version: RTVI_PROTOCOL_VERSION, about }, id)

/** `fatal: true` makes the client disconnect; every refusal here leaves the peer open. */
export const rtviError = (error: string, id?: string) => rtvi('error', { error, fatal: false }, id)

export const serverResponse = (id: string | undefined, t: string, d: unknown) => rtvi('server-response', { t, d }, id)

export const errorResponse = (id: string | undefined, error: string) => rtvi('error-response', { error }, id)

/** A bot turn, whole: the text is final, and whether it will be heard on the audio track. */
export const botOutput = (text: string, spoken: boolean) => rtvi('bot-output', { text, spoken, aggregated_by: 'sentence' })

/** A room fact as `{type, data}`, `data` the same payload as the room's SSE stream. */
export const serverMessage = (type: string, data: unknown) => rtvi('server-message', { type, data })

export const userTranscription = (text: string, timestamp: string, userId: string) => rtvi('user-transcription', { text, final: true, timestamp, user_id: userId })

/** The transport's own unlabelled message: the bot has left, the client disconnects. */
export const peerLeft = () => ({ type: 'signalling', message: { type: 'peerLeft' } })
