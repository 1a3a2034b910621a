import { z } from 'koa-swagger-decorator'

// The answers of the WebRTC routes. They feed the OpenAPI document.

export const OfferAnswer = z
  .object({
    sdp: z.string().openapi({ description: 'The SDP answer, with the ICE candidates gathered' }),
    type: z.literal('answer'),
    pc_id: z.string().openapi({ description: 'Names this peer connection in PATCH /api/offer and later offers' }),
  })
  .openapi('OfferAnswer')

export const CandidatesAnswer = z.object({ success: z.literal(true), pc_id: z.string(), added: z.number().int() }).openapi('CandidatesAnswer')

export const RecordingList = z
  .object({
    success: z.literal(true),
    room_id: z.string(),
    recordings: z.array(
      z.object({
        file: z.string(),
        pc_id: z.string(),
        duration_seconds: z.number(),
        size_bytes: z.number().int(),
        saved_at: z.string().datetime({ offset: true }),
        url: z.string(),
      }),
    ),
  })
  .openapi('RecordingList')

export const RecordingFile = { 'audio/webm': z.string().openapi({ format: 'binary', description: 'The recording (WebM, Opus)' }) }
