import { z } from 'koa-swagger-decorator'
import { RoomId } from '../rooms/room.schemas'
import { countSdp, MAX_OFFER_CANDIDATES, MAX_OFFER_MEDIA } from './sdp-limits'

export const PcId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1–100 of letters, digits, _ and -')

/** An offer's SDP, with at most MAX_OFFER_MEDIA m-lines and MAX_OFFER_CANDIDATES candidates. */
const Sdp = z.string().min(1).max(200_000).superRefine((sdp, ctx) => {
  const { media, candidates } = countSdp(sdp)
  if (media > MAX_OFFER_MEDIA) ctx.addIssue({ code: 'custom', message: `must have at most ${MAX_OFFER_MEDIA} media sections (m-lines); has ${media}` })
  if (candidates > MAX_OFFER_CANDIDATES) ctx.addIssue({ code: 'custom', message: `must have at most ${MAX_OFFER_CANDIDATES} ICE candidates; has ${candidates}` })
})

export const OfferQuery = z.object({ room_id: RoomId })
export type OfferQuery = z.infer<typeof OfferQuery>

export const OfferBody = z.object({
  sdp: Sdp,
  type: z.literal('offer'),
  /** A known pc_id renegotiates that connection; unknown, absent or null (a stock Pipecat client's first offer): a new one. */
  pc_id: PcId.nullable().optional(),
  /** With pc_id: close that connection and build a new one under the same id. */
  restart_pc: z.boolean().optional(),
  /** What a stock Pipecat client's app passes along with its offer; accepted and not used. */
  requestData: z.record(z.unknown()).optional(),
})
export type OfferBody = z.infer<typeof OfferBody>

/** The stock Pipecat client sends its candidates to the offer's URL, room_id included. */
export const CandidatesQuery = z.object({ room_id: RoomId.optional() })
export type CandidatesQuery = z.infer<typeof CandidatesQuery>

export const CandidatesBody = z.object({
  pc_id: PcId,
  candidates: z
    .array(
      z.object({
        candidate: z.string().max(1_000),
        sdp_mid: z.string().max(64).nullable().optional(),
        sdp_mline_index: z.number().int().min(0).max(64).nullable().optional(),
      }),
    )
    .max(100),
})
export type CandidatesBody = z.infer<typeof CandidatesBody>

export const RecordingParams = z.object({
  room_id: RoomId,
  file: z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,200}\.webm$/, 'must be a recording file name'),
})

// Stored in the room's log: PostgreSQL text cannot hold NUL, and an unpaired surrogate is not Unicode.
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** What the candidate says, typed or spoken: stored in the room's log as it is. */
export const CandidateText = z
  .string()
  .trim()
  .min(1)
  .max(4_000)
  .refine((text) => !UNSTORABLE.test(text), 'must not contain NUL characters or unpaired surrogates')

/** What a client may send on the data channel. */
export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('candidate_message'), text: CandidateText }),
  z.object({ type: z.literal('ping') }).passthrough(),
])
export type ClientMessage = z.infer<typeof ClientMessage>
