import type { Db } from '../db/database'
import type { Clock, IdGenerator } from '../clock'
import type { AuthenticatedUser } from '../auth/auth.service'
import type { EventMetadata } from '../event-store'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, UnauthorizedError } from '../http/errors'
import { CommandRefused, roomState, roomStatus, type Phase, type RoomCommand, type RoomSnapshot } from '../../machines/interview-room'
import type { PlanService } from '../plans/plan.service'
import type { Answered, AnswerBuilder, CommandGuards, CommandOutcome, RoomRuntime } from './room-runtime'
import { findRoomStatus } from './room.repository'
import { findUserById } from '../auth/auth.repository'
import { listOpenRooms, listUserRooms } from './overview.repository'
import { restorableSnapshot } from '../../machines/interview-room'
import type { RoomStatusRow } from '../db/room.table'
import { roomTimeline, snapshotAt, type PointInTime } from './replay'
import { refusalError } from './refusal'
import type { HistoryQuery, InjectContextBody, InjectProblemBody, RoomListQuery, StartInterviewBody, StateQuery } from './room.schemas'

export interface RoomServiceDeps {
  db: Db
  runtime: RoomRuntime
  plans: PlanService
  clock: Clock
  newId: IdGenerator
  warningFraction: number | null
}

export type RoomService = ReturnType<typeof createRoomService>

/** A command request's context: its id for the log, and the headers that make a retry safe. */
export interface CommandRequest {
  requestId?: string
  /** Idempotency-Key, with the fingerprint of the request it came with. */
  idempotency?: { key: string; fingerprint: string }
  /** If-Match: the versions the room must be at. */
  ifMatch?: number[]
}

const OPEN_STATES = ['ready', 'running', 'paused']

const metaOf = (user: AuthenticatedUser, requestId?: string): EventMetadata => ({ user_id: user.id, request_id: requestId })

// Keys are the user's own: the same key from two users is two keys.
const guardsOf = (user: AuthenticatedUser, request: CommandRequest): CommandGuards => ({
  ifMatch: request.ifMatch,
  idempotency: request.idempotency && { userId: user.id, ...request.idempotency },
})

export function createRoomService({ db, runtime, plans, clock, newId, warningFraction }: RoomServiceDeps) {
  const canSee = (user: AuthenticatedUser, ownerId: string) => user.role === 'admin' || ownerId === user.id

  /** The room, if it exists and the user may see it; otherwise 404 (another user's room is not revealed). */
  async function visibleRoom(user: AuthenticatedUser, roomId: string): Promise<RoomSnapshot> {
    const { snapshot, version } = await runtime.load(roomId)
    if (version === 0 || !canSee(user, snapshot.context.owner_id)) throw new NotFoundError(`Interview room ${roomId} not found`)
    return snapshot
  }

  /** The room as its status row holds it; rebuilt from the facts when another machine version wrote the row. */
  async function fromRow(row: RoomStatusRow): Promise<{ snapshot: RoomSnapshot; version: number }> {
    const snapshot = restorableSnapshot(row.snapshot)
    return snapshot ? { snapshot, version: row.version } : runtime.load(row.room_id)
  }

  function statusPayload(roomId: string, snapshot: RoomSnapshot, version: number, now: Date) {
    return { success: true, room_id: roomId, session_id: snapshot.context.session_id, version, ...roomStatus(snapshot, now) }
  }

  /** A timer or phase command's answer: the room's status after it and the events it appended. */
  const commandAnswer =
    (roomId: string): AnswerBuilder =>
    (outcome: CommandOutcome, now: Date) => ({
      status: 200,
      body: {
        ...statusPayload(roomId, outcome.snapshot, outcome.version, now),
        events: outcome.events.map((e) => ({ type: e.type, version: e.stream_position, data: e.data })),
      },
    })

  async function run(user: AuthenticatedUser, roomId: string, command: RoomCommand, request: CommandRequest = {}, answer = commandAnswer(roomId)): Promise<Answered> {
    // The owner from memory, and the command decided on the cached room: no read before the write.
    const owner = await runtime.ownerOf(roomId)
    if (owner === undefined || !canSee(user, owner)) throw new NotFoundError(`Interview room ${roomId} not found`)
    try {
      return await runtime.handle(roomId, command, metaOf(user, request.requestId), guardsOf(user, request), answer)
    } catch (error) {
      if (error instanceof CommandRefused) throw refusalError(error)
      throw error
    }
  }

  /** The title and phases a room opens with: inline phases, or those of a stored plan (and its id). */
  async function phasesFor(user: AuthenticatedUser | undefined, body: Pick<StartInterviewBody, 'mock_interview_id' | 'phases' | 'title'>): Promise<{ title: string; phases: Phase[]; plan_id: string | null }> {
    if (body.mock_interview_id && body.phases) throw new ValidationError('Give mock_interview_id or phases, not both', [{ path: 'body.phases', message: 'not allowed with mock_interview_id' }])
    if (body.phases) return { title: body.title ?? 'Interview', phases: body.phases, plan_id: null }
    if (!body.mock_interview_id) throw new ValidationError('mock_interview_id or phases is required', [{ path: 'body.mock_interview_id', message: 'required when phases is absent' }])
    if (!user) throw new UnauthorizedError('Starting from a stored plan needs a bearer token')
    // Another user's plan is answered as an unknown one: nothing about it is revealed.
    const plan = await plans.get(user, body.mock_interview_id).catch((error) => {
      if (error instanceof NotFoundError) throw new ValidationError('No such interview plan', [{ path: 'body.mock_interview_id', message: 'no such interview plan' }])
      throw error
    })
    return { title: body.title ?? plan.title, phases: plan.phases as Phase[], plan_id: plan.id }
  }

  /** The command that opens a room: a fresh session, the configured warning unless the caller chose one. */
  function openCommand(room: { roomId: string; ownerId: string; title: string; phases: Phase[]; warningFraction?: number | null; planId?: string | null }): Extract<RoomCommand, { type: 'openRoom' }> {
    return {
      type: 'openRoom',
      room_id: room.roomId,
      session_id: newId(),
      owner_id: room.ownerId,
      title: room.title,
      phases: room.phases,
      warning_fraction: room.warningFraction === undefined ? warningFraction : room.warningFraction,
      plan_id: room.planId ?? null,
    }
  }

  /** The room as it was at a version or a time, if the user may see it; a version beyond the head is 404. */
  async function roomAt(user: AuthenticatedUser, roomId: string, bound: { version?: number; at?: Date }): Promise<PointInTime & { current: RoomSnapshot }> {
    const current = await visibleRoom(user, roomId)
    const point = await snapshotAt(db, roomId, bound)
    if (bound.version !== undefined && point.version < bound.version) throw new NotFoundError(`Room ${roomId} has no version ${bound.version}`)
    return { ...point, current }
  }

  return {
    phasesFor,
    openCommand,
    roomAt,

    async open(user: AuthenticatedUser, body: StartInterviewBody, request: CommandRequest = {}): Promise<Answered> {
      if (body.user_id && body.user_id !== user.id) {
        if (user.role !== 'admin') throw new ForbiddenError('user_id must be your own')
        if (!(await findUserById(db, body.user_id))) throw new ValidationError('No such user', [{ path: 'body.user_id', message: 'no such user' }])
      }
      const { title, phases, plan_id } = await phasesFor(user, body)
      // With a key, the key is looked up first: a retry of this very request answers 201 again.
      const existing = request.idempotency ? undefined : await runtime.load(body.room_id)
      if (existing && existing.version > 0) {
        const state = roomState(existing.snapshot)
        // Another user's room: a conflict all the same (ids are not reused), but nothing about it, its state included.
        throw canSee(user, existing.snapshot.context.owner_id)
          ? new ConflictError(`Room ${body.room_id} already exists (${state}); room ids are not reused`, { room_id: body.room_id, state })
          : new ConflictError(`Room id ${body.room_id} is taken; choose another`, { room_id: body.room_id })
      }
      const command = openCommand({ roomId: body.room_id, ownerId: body.user_id ?? user.id, title, phases, warningFraction: body.warning_fraction, planId: plan_id })
      const answer: AnswerBuilder = (outcome, now) => ({
        status: 201,
        body: { success: true, room_id: body.room_id, session_id: command.session_id, version: outcome.version, status: roomStatus(outcome.snapshot, now) },
      })
      try {
        return await runtime.handle(body.room_id, command, metaOf(user, request.requestId), guardsOf(user, request), answer)
      } catch (error) {
        if (error instanceof CommandRefused || (error instanceof ConflictError && error.code === 'concurrency_conflict')) {
          throw new ConflictError(`Room ${body.room_id} already exists`, { room_id: body.room_id })
        }
        throw error
      }
    },

    command: run,

    async status(user: AuthenticatedUser, roomId: string) {
      const row = await findRoomStatus(db, roomId)
      if (!row || !canSee(user, row.owner_id)) throw new NotFoundError(`Interview room ${roomId} not found`)
      const { snapshot, version } = await fromRow(row)
      return statusPayload(roomId, snapshot, version, clock())
    },

    async summary(user: AuthenticatedUser, roomId: string) {
      const row = await findRoomStatus(db, roomId)
      if (!row || !canSee(user, row.owner_id)) throw new NotFoundError(`Interview room ${roomId} not found`)
      const { snapshot, version } = await fromRow(row)
      return { success: true, ...roomSummary({ ...row, version }, snapshot, clock()) }
    },

    /** From the user_rooms projection: eventually consistent, a moment behind the commands. */
    async list(user: AuthenticatedUser, query: RoomListQuery) {
      const states = query.state === 'open' ? OPEN_STATES : query.state ? [query.state] : undefined
      const rows = await listUserRooms(db, { ownerId: user.role === 'admin' ? undefined : user.id, states, limit: query.limit, offset: query.offset })
      const rooms = rows.map((r) => ({
        ...r,
        opened_at: r.opened_at.toISOString(),
        started_at: r.started_at?.toISOString() ?? null,
        completed_at: r.completed_at?.toISOString() ?? null,
      }))
      return { success: true, rooms, limit: query.limit, offset: query.offset }
    },

    /** From the room_overview projection: open rooms with their connections. */
    async connections(user: AuthenticatedUser) {
      const rows = await listOpenRooms(db, user.role === 'admin' ? undefined : user.id, 1_000)
      const rooms = rows.map((r) => ({ ...r, last_event_at: r.last_event_at.toISOString() }))
      return {
        success: true,
        total_rooms: rooms.length,
        total_peers: rooms.reduce((n, r) => n + r.peers, 0),
        active_bots: rooms.filter((r) => r.bot_status !== 'idle').length,
        rooms,
      }
    },

    async injectProblem(user: AuthenticatedUser, body: InjectProblemBody, request: CommandRequest = {}) {
      const problem_id = newId()
      const command: RoomCommand = { type: 'injectProblem', problem_id, problem_text: body.problem_text, problem_type: body.problem_type ?? null, difficulty: body.difficulty ?? null }
      return run(user, body.room_id, command, request, (outcome) => ({ status: 200, body: { success: true, room_id: body.room_id, problem_id, version: outcome.version } }))
    },

    async injectContext(user: AuthenticatedUser, body: InjectContextBody, request: CommandRequest = {}) {
      const context_id = newId()
      const command: RoomCommand = { type: 'injectContext', context_id, context_text: body.context_text, context_type: body.context_type ?? null }
      return run(user, body.room_id, command, request, (outcome) => ({ status: 200, body: { success: true, room_id: body.room_id, context_id, version: outcome.version } }))
    },

    async history(user: AuthenticatedUser, roomId: string, query: HistoryQuery) {
      await visibleRoom(user, roomId)
      const events = await roomTimeline(db, roomId, { fromVersion: query.from_version, limit: query.limit })
      return { success: true, room_id: roomId, from_version: query.from_version, events }
    },

    async stateAt(user: AuthenticatedUser, roomId: string, query: StateQuery) {
      if (query.version !== undefined && query.at !== undefined) throw new ValidationError('Give version or at, not both', [{ path: 'query.at', message: 'not allowed with version' }])
      const point = await roomAt(user, roomId, { version: query.version, at: query.at ? new Date(query.at) : undefined })
      const when = query.at ? new Date(query.at) : point.at ? new Date(point.at) : clock()
      return { success: true, room_id: roomId, session_id: point.current.context.session_id, version: point.version, at: when.toISOString(), ...roomStatus(point.snapshot, when) }
    },
  }
}

function roomSummary(row: RoomStatusRow, snapshot: RoomSnapshot, now: Date) {
  const status = roomStatus(snapshot, now)
  const peers = snapshot.context.peers
  return {
    room_id: row.room_id,
    session_id: row.session_id,
    owner_id: row.owner_id,
    title: row.title,
    state: row.state,
    current_sequence: row.current_sequence,
    remaining_time_seconds: status.timer_status.remaining_time_seconds,
    deadline: row.deadline?.toISOString() ?? null,
    version: row.version,
    opened_at: row.opened_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    connection: { peers: peers.length, pc_ids: peers },
    // The bot is in the room while a peer is connected to it (the same rule as GET /api/connections/status).
    bot: { status: peers.length > 0 ? 'active' : 'idle' },
    talk: status.timer_status.talk,
  }
}
