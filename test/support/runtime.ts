import { randomUUID } from 'node:crypto'
import { createLogger } from '../../src/logger'
import { systemClock } from '../../src/clock'
import { RoomRuntime, type RoomRuntimeOptions } from '../../src/rooms/room-runtime'
import { TimerScheduler, type TimerSchedulerOptions } from '../../src/rooms/timer-scheduler'
import type { Phase, RoomCommand } from '../../machines/interview-room'
import type { RoomWrite } from '../../src/rooms/room-writes.repository'
import { roomStream } from '../../src/rooms/room-facts.schema'
import { ctx } from './context'

export const quietLogger = createLogger({ LOG_LEVEL: 'fatal', LOG_FORMAT: 'json' })

/** A runtime as a separate process would have it: its own cache, node id and (optionally) timers. */
export function newRuntime(name = randomUUID().slice(0, 8), options: Partial<RoomRuntimeOptions> = {}): RoomRuntime {
  return new RoomRuntime({ db: ctx().database.db, clock: systemClock, logger: quietLogger, node: `test-${name}`, leaseGraceMs: 500, ...options })
}

export function newScheduler(runtime: RoomRuntime, pollMs = 100, options: Partial<TimerSchedulerOptions> = {}): TimerScheduler {
  return new TimerScheduler({ db: ctx().database.db, runtime, clock: systemClock, logger: quietLogger, pollMs, horizonMs: 500, ...options })
}

export const phase = (sequence: number, minutes: number): Phase => ({
  sequence,
  question_id: `q${sequence}`,
  question_type: 'coding',
  question_text: null,
  duration_minutes: minutes,
  instructions: `phase ${sequence}`,
})

export function openCommand(roomId: string, ownerId: string, phases: Phase[], warning: number | null = null): RoomCommand {
  return { type: 'openRoom', room_id: roomId, session_id: randomUUID(), owner_id: ownerId, title: 'test', phases, warning_fraction: warning }
}

export const newRoomId = () => `rt-${randomUUID().slice(0, 12)}`

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A write of one problem_injected fact at `expectedVersion`, with the status row it implies. */
export function injectWrite(roomId: string, ownerId: string, expectedVersion: number): RoomWrite {
  const now = new Date()
  return {
    roomId,
    streamId: roomStream(roomId),
    expectedVersion,
    events: [{ type: 'problem_injected', data: { problem_id: randomUUID(), problem_text: 'p', problem_type: null, difficulty: null, at: now.toISOString() } }],
    status: { room_id: roomId, owner_id: ownerId, session_id: randomUUID(), title: 't', state: 'ready', current_sequence: 1, deadline: null, version: expectedVersion + 1, snapshot: { marker: expectedVersion + 1 }, opened_at: now, updated_at: now },
    timers: [],
  }
}
