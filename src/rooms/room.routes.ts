import type { Context } from 'koa'
import { sessionOf } from '../auth/token'
import { body, routeConfig } from 'koa-swagger-decorator'
import { currentUser } from '../http/current-user'
import type { RoomCommand } from '../../machines/interview-room'
import { ValidationError } from '../http/errors'
import { serveRoomStream } from './room-stream'
import { answers } from '../http/openapi'
import { CommandAnswer, Connections, EventStream, HistoryAnswer, InjectContextAnswer, InjectProblemAnswer, RoomList, RoomStatusAnswer, RoomSummary, StartInterviewAnswer, StateAtAnswer, StreamTokenAnswer } from './room.responses'
import { refuseIfMatch } from '../http/command-headers'
import { commandRequest, sendAnswer, setVersionTag } from './command-http'
import {
  CommandHeaders,
  EventsQuery,
  HistoryQuery,
  InjectContextBody,
  InjectProblemBody,
  ResetBody,
  RoomListQuery,
  RoomParams,
  StartInterviewBody,
  StartInterviewHeaders,
  StateQuery,
} from './room.schemas'

const TAG = ['Interview rooms']
const security = [{ bearerAuth: [] }]
const room = { params: RoomParams }
const roomCommand = { params: RoomParams, headers: CommandHeaders }
/** What every timer and phase command answers. */
const commandAnswers = answers(200, CommandAnswer, 404, 409, 412, 422)
const ROOM = '/api/interview/{room_id}'

type Args<Q = unknown, B = unknown> = { query: Q; params: { room_id: string }; body: B }

/** Runs a room command with its Idempotency-Key and If-Match headers; `body`: the validated body, if the route has one. */
async function command(ctx: Context, roomId: string, cmd: RoomCommand, body?: unknown) {
  sendAnswer(ctx, await ctx.deps.rooms.command(currentUser(ctx), roomId, cmd, commandRequest(ctx, body)))
}

// Authentication for every route here is applied in app.ts, before input validation.
export class RoomController {
  @routeConfig({ method: 'post', path: '/api/start-interview', summary: 'Open an interview room from a stored plan or inline phases', tags: TAG, security, request: { headers: StartInterviewHeaders }, responses: answers(201, StartInterviewAnswer, 403, 409, 422) })
  @body(StartInterviewBody)
  async start(ctx: Context, args: Args<unknown, StartInterviewBody>) {
    refuseIfMatch(ctx, 'start-interview creates the room; there is no version to match yet')
    sendAnswer(ctx, await ctx.deps.rooms.open(currentUser(ctx), args.body, commandRequest(ctx, args.body)))
  }

  @routeConfig({ method: 'get', path: '/api/interview/rooms', summary: "The caller's rooms (admins: all), optionally by state", tags: TAG, security, request: { query: RoomListQuery }, responses: answers(200, RoomList) })
  async list(ctx: Context, args: Args<RoomListQuery>) {
    ctx.body = await ctx.deps.rooms.list(currentUser(ctx), args.query)
  }

  @routeConfig({ method: 'post', path: `${ROOM}/timer/start`, summary: 'Start the first phase, or resume a paused one', tags: TAG, security, request: roomCommand, responses: commandAnswers })
  async timerStart(ctx: Context, args: Args) {
    await command(ctx, args.params.room_id, { type: 'startTimer' })
  }

  @routeConfig({ method: 'post', path: `${ROOM}/timer/pause`, summary: 'Pause the phase clock', tags: TAG, security, request: roomCommand, responses: commandAnswers })
  async timerPause(ctx: Context, args: Args) {
    await command(ctx, args.params.room_id, { type: 'pauseTimer' })
  }

  @routeConfig({ method: 'post', path: `${ROOM}/timer/resume`, summary: 'Resume a paused phase clock', tags: TAG, security, request: roomCommand, responses: commandAnswers })
  async timerResume(ctx: Context, args: Args) {
    await command(ctx, args.params.room_id, { type: 'resumeTimer' })
  }

  @routeConfig({ method: 'post', path: `${ROOM}/timer/reset`, summary: 'Restart the phase clock (scope phase) or return to the first phase (scope interview)', tags: TAG, security, request: roomCommand, responses: commandAnswers })
  @body(ResetBody)
  async timerReset(ctx: Context, args: Args<unknown, { scope: 'phase' | 'interview' }>) {
    await command(ctx, args.params.room_id, { type: 'resetTimer', scope: args.body.scope }, args.body)
  }

  @routeConfig({ method: 'post', path: `${ROOM}/phase/next`, summary: 'Skip to the next phase (completes after the last)', tags: TAG, security, request: roomCommand, responses: commandAnswers })
  async skip(ctx: Context, args: Args) {
    await command(ctx, args.params.room_id, { type: 'skipPhase' })
  }

  @routeConfig({ method: 'post', path: `${ROOM}/end`, summary: 'End the interview now', tags: TAG, security, request: roomCommand, responses: commandAnswers })
  async end(ctx: Context, args: Args) {
    await command(ctx, args.params.room_id, { type: 'endInterview' })
  }

  @routeConfig({ method: 'get', path: `${ROOM}/timer/status`, summary: 'Timer status of the current phase and the interview', tags: TAG, security, request: room, responses: answers(200, RoomStatusAnswer, 404) })
  async timerStatus(ctx: Context, args: Args) {
    const status = await ctx.deps.rooms.status(currentUser(ctx), args.params.room_id)
    setVersionTag(ctx, status.version)
    ctx.body = status
  }

  @routeConfig({
    method: 'get',
    path: `${ROOM}/events`,
    summary: 'Server-Sent Events: `connected`, then every fact of the room (resumable with Last-Event-ID), and heartbeats',
    description: 'Authenticate with a Bearer header or ?access_token=<stream token from POST …/stream-token>.',
    tags: TAG,
    security,
    request: { params: RoomParams, query: EventsQuery },
    responses: answers(200, EventStream, 404, 429),
  })
  async events(ctx: Context, args: Args<EventsQuery>) {
    const user = currentUser(ctx)
    const roomId = args.params.room_id
    const lastEventId = resumePoint(ctx.get('Last-Event-ID'), args.query.last_event_id)
    const { db, hub, logger, config } = ctx.deps
    await serveRoomStream(
      { db, hub, logger, retryMs: config.SSE_RETRY_MS, maxBufferBytes: config.SSE_MAX_BUFFER_BYTES, maxStreamsPerUser: config.SSE_MAX_STREAMS_PER_USER },
      ctx.res,
      roomId,
      { userId: user.id, session: sessionOf(user.token) },
      lastEventId,
      () => ctx.deps.rooms.status(user, roomId),
    )
    // The stream is open and written directly; Koa must not respond on top of it.
    ctx.respond = false
    ctx.status = 200
  }

  @routeConfig({ method: 'post', path: `${ROOM}/stream-token`, summary: "A short-lived token for this room's event stream, for EventSource (?access_token=)", tags: TAG, security, request: room, responses: answers(200, StreamTokenAnswer, 404) })
  async streamToken(ctx: Context, args: Args) {
    const user = currentUser(ctx)
    await ctx.deps.rooms.status(user, args.params.room_id)
    const issued = await ctx.deps.auth.issueStreamToken(user, args.params.room_id)
    ctx.body = { success: true, ...issued, url: `/api/interview/${args.params.room_id}/events?access_token=${issued.token}` }
  }

  @routeConfig({ method: 'get', path: `${ROOM}/history`, summary: 'Every event with the machine state and status after it', tags: TAG, security, request: { params: RoomParams, query: HistoryQuery }, responses: answers(200, HistoryAnswer, 404) })
  async history(ctx: Context, args: Args<HistoryQuery>) {
    ctx.body = await ctx.deps.rooms.history(currentUser(ctx), args.params.room_id, args.query)
  }

  @routeConfig({ method: 'get', path: `${ROOM}/state`, summary: 'The room as it was at ?version=N or ?at=<ISO time>', tags: TAG, security, request: { params: RoomParams, query: StateQuery }, responses: answers(200, StateAtAnswer, 404) })
  async state(ctx: Context, args: Args<StateQuery>) {
    ctx.body = await ctx.deps.rooms.stateAt(currentUser(ctx), args.params.room_id, args.query)
  }

  @routeConfig({ method: 'post', path: '/api/inject-problem', summary: 'Inject a problem into a room (stored as a fact)', tags: TAG, security, request: { headers: CommandHeaders }, responses: answers(200, InjectProblemAnswer, 404, 409, 412, 422) })
  @body(InjectProblemBody)
  async injectProblem(ctx: Context, args: Args<unknown, InjectProblemBody>) {
    sendAnswer(ctx, await ctx.deps.rooms.injectProblem(currentUser(ctx), args.body, commandRequest(ctx, args.body)))
  }

  @routeConfig({ method: 'post', path: '/api/inject-custom-context', summary: 'Inject custom context into a room (stored as a fact)', tags: TAG, security, request: { headers: CommandHeaders }, responses: answers(200, InjectContextAnswer, 404, 409, 412, 422) })
  @body(InjectContextBody)
  async injectContext(ctx: Context, args: Args<unknown, InjectContextBody>) {
    sendAnswer(ctx, await ctx.deps.rooms.injectContext(currentUser(ctx), args.body, commandRequest(ctx, args.body)))
  }

  @routeConfig({ method: 'get', path: '/api/status/{room_id}', summary: 'Room summary: state, phase, connection and bot', tags: TAG, security, request: room, responses: answers(200, RoomSummary, 404) })
  async summary(ctx: Context, args: Args) {
    const summary = await ctx.deps.rooms.summary(currentUser(ctx), args.params.room_id)
    setVersionTag(ctx, summary.version)
    ctx.body = summary
  }

  @routeConfig({ method: 'get', path: '/api/connections/status', summary: 'Open rooms, peers and bots (the caller’s; admins: all)', tags: TAG, security, responses: answers(200, Connections) })
  async connections(ctx: Context) {
    ctx.body = await ctx.deps.rooms.connections(currentUser(ctx))
  }
}

/** Last-Event-ID (header, as EventSource sends it) or ?last_event_id=: a stream position ≥ 0. */
function resumePoint(header: string, query: number | undefined): number | undefined {
  if (!header) return query
  if (!/^\d{1,10}$/.test(header.trim())) throw new ValidationError('Invalid Last-Event-ID', [{ path: 'headers.last-event-id', message: 'must be a whole number ≥ 0' }])
  return Number(header.trim())
}
