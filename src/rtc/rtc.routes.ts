import type { Context } from 'koa'
import { body, routeConfig } from 'koa-swagger-decorator'
import { currentUser } from '../http/current-user'
import { answers } from '../http/openapi'
import { CandidatesAnswer, OfferAnswer, RecordingFile, RecordingList } from './rtc.responses'
import { RoomParams } from '../rooms/room.schemas'
import { CandidatesBody, CandidatesQuery, OfferBody, OfferQuery, RecordingParams } from './rtc.schemas'

const TAG = ['Interview bot (WebRTC)']
const security = [{ bearerAuth: [] }]
const ROOM = '/api/interview/{room_id}'

type Args<Q = unknown, P = unknown, B = unknown> = { query: Q; params: P; body: B }

// Authentication for every route here is applied in app.ts, before input validation.
export class RtcController {
  @routeConfig({
    method: 'post',
    path: '/api/offer',
    summary: "Join a room's interview bot: an SDP offer in, the answer (with its ICE candidates) and pc_id out",
    description: 'A known pc_id renegotiates that connection; with restart_pc it is closed and rebuilt under the same id.',
    tags: TAG,
    security,
    request: { query: OfferQuery },
    responses: answers(200, OfferAnswer, 404, 409, 429, 503),
  })
  @body(OfferBody)
  async offer(ctx: Context, args: Args<OfferQuery, unknown, OfferBody>) {
    ctx.body = await ctx.deps.rtc.offer(currentUser(ctx), args.query.room_id, args.body)
  }

  @routeConfig({
    method: 'patch',
    path: '/api/offer',
    summary: 'Add trickled ICE candidates to a peer connection',
    description: 'With room_id (as the stock Pipecat client sends it, on the offer URL), the peer must be in that room.',
    tags: TAG,
    security,
    request: { query: CandidatesQuery },
    responses: answers(200, CandidatesAnswer, 404),
  })
  @body(CandidatesBody)
  async candidates(ctx: Context, args: Args<CandidatesQuery, unknown, CandidatesBody>) {
    await ctx.deps.rtc.addCandidates(currentUser(ctx), args.body, args.query.room_id)
    ctx.body = { success: true, pc_id: args.body.pc_id, added: args.body.candidates.length }
  }

  @routeConfig({ method: 'get', path: `${ROOM}/recordings`, summary: "The candidate's recordings in this room (WebM, one per peer connection)", tags: TAG, security, request: { params: RoomParams }, responses: answers(200, RecordingList, 404) })
  async recordings(ctx: Context, args: Args<unknown, { room_id: string }>) {
    ctx.body = await ctx.deps.rtc.recordings(currentUser(ctx), args.params.room_id)
  }

  @routeConfig({ method: 'get', path: `${ROOM}/recordings/{file}`, summary: 'One recording (audio/webm)', tags: TAG, security, request: { params: RecordingParams }, responses: answers(200, RecordingFile, 404) })
  async recording(ctx: Context, args: Args<unknown, { room_id: string; file: string }>) {
    const { stream, size } = await ctx.deps.rtc.recording(currentUser(ctx), args.params.room_id, args.params.file)
    ctx.type = 'audio/webm'
    ctx.length = size
    ctx.set('Content-Disposition', `inline; filename="${args.params.file}"`)
    ctx.body = stream
  }
}
