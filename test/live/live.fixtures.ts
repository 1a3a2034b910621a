import { randomUUID } from 'node:crypto'
import { startService, type RunningService, type ServiceOptions } from '../../src/service'
import { ctx, testConfig } from '../support/context'
import { api, type Reply, type TestUser } from '../support/http'

/** A phase as a client sends it; `minutes` may be fractional (0.02 = 1.2 s). */
export const phase = (sequence: number, minutes: number) => ({
  sequence,
  question_id: `q${sequence}`,
  question_type: 'coding',
  duration_minutes: minutes,
  instructions: `ask about ${sequence}`,
})

/** Phases that do not move on their own while a test runs. */
export const longPhases = () => [phase(1, 5), phase(2, 10)]

export const newRoomId = () => `live-${randomUUID().slice(0, 12)}`

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The event stream URL of a room on `base` (the shared service by default). */
export function eventsUrl(roomId: string, query: Record<string, string | number> = {}, base = ctx().url): string {
  const url = new URL(`/api/interview/${roomId}/events`, base)
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v))
  return url.toString()
}

/** Opens a room for `user`; throws unless it was created. */
export async function openRoom(user: TestUser, phases: unknown[] = longPhases(), options: { baseUrl?: string; warning_fraction?: number | null } = {}): Promise<string> {
  const roomId = newRoomId()
  const body = { room_id: roomId, phases, ...(options.warning_fraction === undefined ? {} : { warning_fraction: options.warning_fraction }) }
  const reply = await api('POST', '/api/start-interview', { token: user.token, body, baseUrl: options.baseUrl })
  if (reply.status !== 201) throw new Error(`start-interview failed: ${reply.status} ${reply.text}`)
  return roomId
}

/** POSTs a room command (timer/start, timer/pause, phase/next, end …) and insists on 200. */
export async function command(user: TestUser, roomId: string, suffix: string, baseUrl?: string): Promise<Reply> {
  const reply = await api('POST', `/api/interview/${roomId}/${suffix}`, { token: user.token, baseUrl })
  if (reply.status !== 200) throw new Error(`${suffix} failed: ${reply.status} ${reply.text}`)
  return reply
}

/** Injects a problem (one fact) and returns the room's new version. */
export async function injectProblem(user: TestUser, roomId: string, text = 'reverse a list', baseUrl?: string): Promise<number> {
  const reply = await api('POST', '/api/inject-problem', { token: user.token, body: { room_id: roomId, problem_text: text }, baseUrl })
  if (reply.status !== 200) throw new Error(`inject-problem failed: ${reply.status} ${reply.text}`)
  return reply.body.version as number
}

/** Polls `probe` until it returns something truthy; fails after `timeoutMs` naming what it waited for. */
export async function waitFor<T>(probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(25)
  }
}

/**
 * A second service on the test database with its own settings (a short heartbeat, a small SSE
 * buffer …); `closeExtraServices` in an after hook stops whatever a test left running.
 */
const extras = new Set<RunningService>()
export async function extraService(overrides: Record<string, string>, options: Omit<ServiceOptions, 'database'> = {}): Promise<RunningService> {
  const service = await startService(testConfig(overrides), { ...options, database: ctx().database })
  extras.add(service)
  return service
}

export async function closeExtraServices(): Promise<void> {
  const all = [...extras]
  extras.clear()
  await Promise.all(all.map((s) => s.close()))
}
