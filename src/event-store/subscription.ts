import { sql, type Kysely } from 'kysely'
import type { Database } from '../db/database'
import type { Logger } from '../logger'
import type { EventNotifier } from './notifier'
import { readAll } from './read'
import { checkpointOf, START, type Checkpoint, type StoredEvent } from './types'

/**
 * After a wake-up a reader keeps looking, every SETTLE_POLL_MS for SETTLE_MS: a commit it was woken
 * for may be hidden behind an older transaction still open, and is found once that ends, if it
 * ends within SETTLE_MS. A writer whose transaction stays open longer wakes readers when it ends.
 */
export const SETTLE_MS = 200
const SETTLE_POLL_MS = 25

export type BatchHandler = (events: StoredEvent[]) => void | Promise<void>

export interface SubscriptionOptions {
  db: Kysely<Database>
  notifier: EventNotifier
  logger: Logger
  batchSize?: number
  /** The backstop: read even without a wake-up this often. */
  pollMs?: number
  /**
   * A read asked for while one runs starts at least this long after it began: under a stream of
   * commits, each read then takes what several commits appended instead of one read per commit.
   */
  minIntervalMs?: number
}

/** The newest position a reader may safely start after: everything visible to an ordered read now (ordered as readAll orders). */
export async function headCheckpoint(db: Kysely<Database>): Promise<Checkpoint> {
  const result = await sql<Checkpoint>`
    select transaction_id::text as transaction_id, global_position from events
     where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
     order by events.transaction_id desc, events.global_position desc limit 1`.execute(db)
  return result.rows[0] ?? START
}

/**
 * Catch-up then live over the whole log, in commit-safe order. Woken by the notifier (in process,
 * LISTEN/NOTIFY) and by a slow poll; correctness never depends on a wake-up arriving. After a
 * wake-up it also looks again shortly, since a commit can stay hidden behind an older transaction
 * still running when the wake-up came.
 */
export class LogSubscription {
  private checkpointValue: Checkpoint = START
  private readonly handlers: BatchHandler[] = []
  private running?: Promise<void>
  private again = false
  private timer?: NodeJS.Timeout
  private lastWakeAt = 0
  private stopped = true
  private readonly onWake = () => this.wake()
  /** When the last read reached the end of the log. */
  caughtUpAt = 0
  lastError?: unknown

  constructor(private readonly options: SubscriptionOptions) {}

  get checkpoint(): Checkpoint {
    return this.checkpointValue
  }

  get isRunning(): boolean {
    return !this.stopped
  }

  onBatch(handler: BatchHandler): void {
    this.handlers.push(handler)
  }

  async start(from?: Checkpoint): Promise<void> {
    this.checkpointValue = from ?? (await headCheckpoint(this.options.db))
    this.stopped = false
    this.options.notifier.on('wake', this.onWake)
    this.schedule(this.options.pollMs ?? 1_000)
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.options.notifier.off('wake', this.onWake)
    if (this.timer) clearTimeout(this.timer)
    await this.running
  }

  /** A hint that events were appended: read now, and look again shortly after. */
  wake(): Promise<void> {
    this.lastWakeAt = Date.now()
    return this.read()
  }

  /** Reads until caught up; a call during a read makes it read once more. */
  private read(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = this.drain().finally(() => {
      this.running = undefined
      if (!this.stopped) this.schedule(Date.now() - this.lastWakeAt < SETTLE_MS ? SETTLE_POLL_MS : (this.options.pollMs ?? 1_000))
    })
    return this.running
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.read(), ms)
    this.timer.unref()
  }

  private async drain(): Promise<void> {
    const limit = this.options.batchSize ?? 500
    let startedAt = 0
    do {
      const wait = startedAt + (this.options.minIntervalMs ?? 0) - Date.now()
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      startedAt = Date.now()
      this.again = false
      try {
        for (;;) {
          const page = await readAll(this.options.db, { after: this.checkpointValue, limit })
          if (page.length > 0) {
            for (const handler of this.handlers) await handler(page)
            this.checkpointValue = checkpointOf(page[page.length - 1]!)
          }
          if (page.length < limit) break
        }
        this.caughtUpAt = Date.now()
        this.lastError = undefined
      } catch (err) {
        this.lastError = err
        this.options.logger.warn({ err }, 'event subscription read failed; will retry')
        return
      }
    } while (this.again && !this.stopped)
  }
}
