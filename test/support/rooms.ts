import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { ctx } from './context'
import { api, type Reply, type TestUser } from './http'

export const PLANS = '/api/v1/mock-interviews'

/** A phase as a client sends it; `minutes` may be fractional (0.02 = 1.2 s). */
export const phaseBody = (sequence: number, minutes: number, extra: Record<string, unknown> = {}) => ({
  sequence,
  question_id: `q${sequence}`,
  question_type: 'coding',
  duration_minutes: minutes,
  instructions: `ask about ${sequence}`,
  ...extra,
})

/** Two long phases: nothing moves on its own while a test runs. */
export const longPhases = () => [phaseBody(1, 5), phaseBody(2, 10)]

export const newRoomId = () => `api-${randomUUID().slice(0, 13)}`

export const roomPath = (roomId: string, suffix: string) => `/api/interview/${roomId}/${suffix}`

/** Opens a room for `user` from inline phases; throws unless it was created. */
export async function openRoom(user: TestUser, phases: unknown[] = longPhases(), extra: Record<string, unknown> = {}) {
  const roomId = newRoomId()
  const reply = await api('POST', '/api/start-interview', { token: user.token, body: { room_id: roomId, phases, ...extra } })
  if (reply.status !== 201) throw new Error(`start-interview failed: ${reply.status} ${reply.text}`)
  return { roomId, session_id: reply.body.session_id as string, reply }
}

/** Opens a room and starts its first phase. */
export async function runningRoom(user: TestUser, phases: unknown[] = longPhases()) {
  const room = await openRoom(user, phases)
  const started = await roomCommand(user, room.roomId, 'timer/start')
  if (started.status !== 200) throw new Error(`timer/start failed: ${started.status} ${started.text}`)
  return { ...room, started }
}

/** POST to one of the room's command paths (timer/start, phase/next, end …). */
export function roomCommand(user: TestUser, roomId: string, suffix: string, body?: unknown): Promise<Reply> {
  return api('POST', roomPath(roomId, suffix), { token: user.token, body })
}

export function timerStatus(user: TestUser, roomId: string): Promise<Reply> {
  return api('GET', roomPath(roomId, 'timer/status'), { token: user.token })
}

export async function createPlan(user: TestUser, body: Record<string, unknown> = { title: 'Backend loop', phases: longPhases() }) {
  const reply = await api('POST', `${PLANS}/`, { token: user.token, body })
  if (reply.status !== 201) throw new Error(`create plan failed: ${reply.status} ${reply.text}`)
  return reply.body as { id: string; owner_id: string; title: string; phases: Array<Record<string, unknown>>; created_at: string; updated_at: string }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Polls `probe` until it returns something truthy, or fails after `timeoutMs` saying what it
 * last saw: bounded waits instead of fixed sleeps.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

/** Waits until the room's timer status reports `state`; returns that status. */
export function waitForState(user: TestUser, roomId: string, state: string, timeoutMs = 10_000) {
  return waitFor(async () => {
    const reply = await timerStatus(user, roomId)
    return reply.body?.state === state ? reply.body : undefined
  }, timeoutMs, `room ${roomId} to be ${state}`)
}

/** Asserts a 409 refusal that names the room's state and the commands it allows. */
export function expectRefused(reply: Reply, state: string, allowed?: string[]) {
  expect(reply.status, reply.text).to.equal(409)
  expect(reply.body.error.code).to.equal('invalid_state')
  expect(reply.body.error.details.state).to.equal(state)
  expect(reply.body.error.details.allowed_commands).to.be.an('array')
  if (allowed) expect(reply.body.error.details.allowed_commands).to.have.members(allowed)
}

/** Asserts a 400 whose details name `path` (a dotted field path, with or without its body./query. prefix). */
export function expectFieldError(reply: Reply, path: string) {
  expect(reply.status, reply.text).to.equal(400)
  expect(reply.body.error.code).to.equal('validation_error')
  const paths = (reply.body.error.details as Array<{ path: string }>).map((d) => d.path.replace(/^(body|query|params)\./, ''))
  expect(paths, reply.text).to.include(path)
}

/** The number of events stored in a room's stream (0 for a room that was never opened). */
export async function storedEvents(roomId: string): Promise<number> {
  const row = await ctx()
    .database.db.selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('stream_id', '=', `room-${roomId}`)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
