import type { Db } from '../db/database'
import type { Clock } from '../clock'
import type { Logger } from '../logger'
import type { DueTimer } from '../../machines/interview-room'
import { CommandRefused } from '../../machines/interview-room'
import type { AppendedEvent, RoomRuntime } from './room-runtime'
import { deleteTimer, leaseDueTimers, releaseLeases } from './room.repository'
import { deleteExpiredIdempotencyKeys } from './idempotency.repository'

export interface TimerSchedulerOptions {
  db: Db
  runtime: RoomRuntime
  clock: Clock
  logger: Logger
  /** How often every process polls the timers table (the backstop). */
  pollMs?: number
  /** Timers due within this horizon are armed in process by the poll, so they fire on time. */
  horizonMs?: number
  leaseMs?: number
  /** How often the poll also deletes Idempotency-Keys older than 24 h. */
  keySweepMs?: number
  /** Firings under way at once; timers due beyond that wait their turn in order (see fire). */
  maxFiring?: number
  /** Collects the young generation in the quiet before a burst of deadlines (see prepareForBurst); the service passes youngCollection. */
  collectYoung?: () => void
  /** The most deadlines due within a horizon of the next one that still get that collection (see prepareForBurst). */
  collectBurstsUpTo?: number
}

interface Armed {
  dueAt: string
  /** dueAt in epoch ms. */
  dueMs: number
  handle: NodeJS.Timeout
}

/**
 * A room's in-process timers. The entry stays while the room has none armed (a pause), and the
 * idle ones go together once the map holds 1,000 rooms more than twice the armed timers (see
 * timersOf), rather than each pause and resume deleting and adding an entry: see LruMap on why.
 */
type RoomTimers = Record<DueTimer['kind'], Armed | undefined>

const KINDS = ['deadline', 'warning'] as const

interface Due {
  roomId: string
  timer: DueTimer
}

/** How long after its last firing ended the scheduler still counts as busy (see busy). */
const FIRING_HOLD_MS = 50

/** How long before the first deadline of a burst its young collection runs (see prepareForBurst). */
const COLLECT_LEAD_MS = 250

/**
 * Fires durable timers. The process that appended a room's facts arms them in memory for
 * accuracy; every process also polls due rows (SKIP LOCKED leases) as the backstop, so timers
 * survive crashes and restarts. Firing is a `timerDue` command: the stream fence makes a race
 * between processes append exactly one fact.
 */
export class TimerScheduler {
  /** Counters read by /metrics. */
  readonly stats = { armed: 0, fired: 0, stale: 0, failed: 0, collections: 0 }
  private readonly armed = new Map<string, RoomTimers>()
  private armedTimers = 0
  /** Timers that fell due while maxFiring firings were under way, in the order their in-process timers ran out. */
  private readonly waiting: Due[] = []
  private firing = 0
  /** When the last firing ended (performance.now()). */
  private lastFiredAt = -Infinity
  private readonly maxFiring: number
  private poller?: NodeJS.Timeout
  private polling?: Promise<void>
  private stopped = false
  private nextKeySweep = 0
  /** A young collection set for the quiet before a burst, and when the last one ran (see prepareForBurst). */
  private collection?: NodeJS.Timeout
  private collectedAt = -Infinity
  private readonly onAppended = (event: AppendedEvent) => this.arm(event.roomId, event.timers)

  constructor(private readonly options: TimerSchedulerOptions) {
    this.maxFiring = options.maxFiring ?? 256
  }

  start(): void {
    this.stopped = false
    this.options.runtime.on('appended', this.onAppended)
    const pollMs = this.options.pollMs ?? 1_000
    this.poller = setInterval(() => void this.poll(), pollMs)
    this.poller.unref()
    void this.poll()
  }

  /** Stops firing and hands this process's leases back so another process takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true
    this.options.runtime.off('appended', this.onAppended)
    if (this.poller) clearInterval(this.poller)
    clearTimeout(this.collection)
    this.collection = undefined
    for (const room of this.armed.values()) for (const kind of KINDS) this.disarm(room, kind)
    this.armed.clear()
    // Timers still waiting for a firing slot: their rows are among this process's leases released below.
    this.waiting.length = 0
    await this.polling
    await releaseLeases(this.options.db, this.options.runtime.node).catch((err) => this.options.logger.warn({ err }, 'could not release timer leases'))
  }

  get armedCount(): number {
    return this.armedTimers
  }

  /** Timers due and waiting for a firing to finish (see fire). */
  get waitingCount(): number {
    return this.waiting.length
  }

  /**
   * Deadlines are falling: a firing is under way, or one ended within the last FIRING_HOLD_MS (the
   * deadlines of a burst come a few ms apart at most). Read models wait meanwhile (see service.ts).
   */
  get busy(): boolean {
    return this.firing > 0 || performance.now() - this.lastFiredAt < FIRING_HOLD_MS
  }

  /** Makes the room's in-process timers exactly `timers` (arming new ones, cancelling the rest). */
  arm(roomId: string, timers: DueTimer[]): void {
    const room = this.timersOf(roomId)
    for (const kind of KINDS) {
      const wanted = timers.find((t) => t.kind === kind)
      if (room[kind]?.dueAt === wanted?.due_at) continue
      this.disarm(room, kind)
      if (wanted && !this.stopped) this.armOne(room, roomId, wanted)
    }
  }

  private timersOf(roomId: string): RoomTimers {
    const known = this.armed.get(roomId)
    if (known) return known
    if (this.armed.size >= 2 * this.armedTimers + 1_000) {
      for (const [id, room] of this.armed) if (!room.deadline && !room.warning) this.armed.delete(id)
    }
    const room: RoomTimers = { deadline: undefined, warning: undefined }
    this.armed.set(roomId, room)
    return room
  }

  private armOne(room: RoomTimers, roomId: string, timer: DueTimer): void {
    const dueMs = Date.parse(timer.due_at)
    const delay = Math.max(0, dueMs - this.options.clock().getTime())
    this.stats.armed++
    const armed: Armed = {
      dueAt: timer.due_at,
      dueMs,
      handle: setTimeout(() => {
        if (room[timer.kind] === armed) this.disarm(room, timer.kind)
        this.fire(roomId, timer)
      }, delay),
    }
    room[timer.kind] = armed
    this.armedTimers++
  }

  private disarm(room: RoomTimers, kind: DueTimer['kind']): void {
    const armed = room[kind]
    if (!armed) return
    clearTimeout(armed.handle)
    room[kind] = undefined
    this.armedTimers--
  }

  /**
   * Deadlines that fall together (a cohort's first phases ending at 10:30) would otherwise each be
   * decided at once and wait, thousands of them, for their turn in the group commit: the decided
   * rooms outlive the young generation, the collector's pauses grow, and the event loop stalls for
   * hundreds of milliseconds while the database idles. So at most `maxFiring` firings are under way
   * (256: the three statements in flight and the next batch, at 64 commands a statement); the
   * others wait here, a few bytes each, and are decided when one ends, in the order their in-process timers ran out.
   * `late_ms` tells the wait. 10,000 deadlines within one second on PostgreSQL (bench:timers
   * --burst, 2 cores): due → commit p99 750–1,000 ms unbounded, 480–630 ms at 128 to 256.
   */
  private fire(roomId: string, timer: DueTimer): void {
    if (this.firing >= this.maxFiring) {
      this.waiting.push({ roomId, timer })
      return
    }
    this.firing++
    void this.fireNow(roomId, timer).finally(() => {
      this.firing--
      this.lastFiredAt = performance.now()
      const next = this.waiting.shift()
      if (next) this.fire(next.roomId, next.timer)
    })
  }

  private async fireNow(roomId: string, timer: DueTimer): Promise<void> {
    const { runtime, db, logger } = this.options
    try {
      const result = await runtime.execute(roomId, { type: 'timerDue', kind: timer.kind, sequence: timer.sequence, due_at: timer.due_at }, { causation: `timer:${timer.kind}` })
      this.stats.fired++
      // Nothing appended: the room moved on since this timer was armed. Drop the stale row.
      if (result.facts.length === 0) {
        this.stats.stale++
        await deleteTimer(db, roomId, timer.kind, timer.due_at)
      }
    } catch (err) {
      if (err instanceof CommandRefused) return
      this.stats.failed++
      // Left in the table: the lease runs out and a poll (here or elsewhere) fires it again.
      logger.warn({ err, room_id: roomId, timer }, 'timer could not fire; will retry')
    }
  }

  /**
   * Deadlines that fall together are known ahead: they are armed here. When the first comes within
   * the horizon, at least `maxFiring` fall due within a horizon of it and none is firing, the young generation is collected
   * COLLECT_LEAD_MS before the first, while the process is quiet. A burst of 1,000 firings
   * allocates about 30 MB, and a young collection that falls in it copies every firing still under
   * way and stops the event loop for 24–26 ms (bench:timers --burst, 2 cores), which every firing
   * then waits for. Collected before, the burst starts with the whole young generation free. One
   * collection per horizon at most; one set for a burst that has begun firing is dropped.
   *
   * Only for bursts the young generation can hold (`collectBurstsUpTo`, 2,000 firings of about
   * 30 KB in 64 MB): a bigger one is collected in anyway. Before 10,000 deadlines within a second,
   * the collection also made every firing late by 150–350 ms in three runs of four (due → commit
   * p99 231–417 ms against 43 ms without), for a reason not found.
   */
  private prepareForBurst(horizonMs: number): void {
    const collect = this.options.collectYoung
    if (!collect || this.collection || this.busy || performance.now() - this.collectedAt < horizonMs) return
    const now = this.options.clock().getTime()
    let first = Infinity
    for (const room of this.armed.values()) for (const kind of KINDS) first = Math.min(first, room[kind]?.dueMs ?? Infinity)
    if (first > now + horizonMs) return
    // The burst as a whole: what falls due within a horizon of its first deadline, beyond this poll's horizon too.
    let due = 0
    for (const room of this.armed.values()) for (const kind of KINDS) if ((room[kind]?.dueMs ?? Infinity) <= first + horizonMs) due++
    if (due < this.maxFiring || due > (this.options.collectBurstsUpTo ?? 2_000)) return
    this.collection = setTimeout(() => {
      this.collection = undefined
      if (this.busy || this.stopped) return
      collect()
      this.collectedAt = performance.now()
      this.stats.collections++
    }, Math.max(0, first - now - COLLECT_LEAD_MS))
    this.collection.unref()
  }

  /** Expired keys are already ignored by lookups; this only keeps the table small. */
  private async sweepKeys(): Promise<void> {
    if (Date.now() < this.nextKeySweep) return
    this.nextKeySweep = Date.now() + (this.options.keySweepMs ?? 60_000)
    const deleted = await deleteExpiredIdempotencyKeys(this.options.db, 10_000)
    if (deleted > 0) this.options.logger.debug({ deleted }, 'expired idempotency keys deleted')
  }

  private poll(): Promise<void> {
    if (this.polling || this.stopped) return this.polling ?? Promise.resolve()
    const { db, runtime, logger } = this.options
    const horizonMs = this.options.horizonMs ?? 2_000
    const leaseMs = this.options.leaseMs ?? horizonMs + runtime.leaseGraceMs + 1_000
    this.polling = (async () => {
      try {
        const rows = await leaseDueTimers(db, runtime.node, horizonMs, leaseMs, 1_000)
        for (const row of rows) {
          if (this.stopped) break
          const room = this.timersOf(row.room_id)
          const kind = row.kind as DueTimer['kind']
          const dueAt = row.due_at.toISOString()
          if (room[kind]?.dueAt === dueAt) continue
          this.disarm(room, kind)
          this.armOne(room, row.room_id, { kind, sequence: row.sequence, due_at: dueAt })
        }
        this.prepareForBurst(horizonMs)
        await this.sweepKeys()
      } catch (err) {
        logger.warn({ err }, 'timer poll failed')
      } finally {
        this.polling = undefined
      }
    })()
    return this.polling
  }
}
