import { EventEmitter } from 'node:events'
import type { Db } from '../db/database'
import { ConcurrencyError, storedEvent, type StoredEvent } from '../event-store'
import { notify } from '../event-store/notifier'
import type { Logger } from '../logger'
import { writeRoomBatch, type RoomWrite, type WrittenRow } from './room-writes.repository'

export interface GroupCommitOptions {
  db: Db
  logger: Logger
  node: string
  leaseGraceMs: number
  /**
   * Batches written at once; the commands arriving meanwhile wait and go together in the next.
   * A statement beyond the first goes only for a batch of at least `flushAt` commands (see canSend).
   */
  writers?: number
  /** The most commands in one statement (a smaller batch commits sooner, and the next is decided meanwhile). */
  maxBatch?: number
  /** Commands waiting that make a full enough batch to send at once, without waiting for the end of this turn. */
  flushAt?: number
  /** Wake other processes' log readers: see {@link Announce}. */
  announce?: Announce
}

/**
 * A statement NOTIFYs `channel` when it wrote events (see writeRoomBatch), at most one every
 * `everyMs`: log readers read at most that often anyway, and each NOTIFY costs a wake-up of every
 * listening connection. A commit that goes unannounced is announced by a NOTIFY of its own
 * `everyMs` later, unless a statement committed since has carried one.
 */
export interface Announce {
  channel: string
  everyMs: number
}

/** A statement that committed, for /metrics: how long it took as this process saw it. */
export interface WrittenStatement {
  seconds: number
}

interface Pending {
  write: RoomWrite
  resolve: (events: StoredEvent[]) => void
  reject: (error: unknown) => void
}

/**
 * Group-commit statements in flight at once on PostgreSQL (the embedded database has one
 * connection, so one). A statement beyond the first goes only for a batch of at least `flushAt`
 * (see canSend), so under a steady load of a few connections one statement is in flight and the
 * third only ever goes in a burst. On 2 cores, against two writers, three took 10,000 deadlines
 * within one second from due → commit p99 592 and 698 ms to 451 and 467 ms (bench:timers --burst
 * --full), and the command p99 at 32 connections from 54–66 ms to 35–49 ms (bench:commands, three
 * runs each); 1,000 deadlines within 100 ms stayed at 80–120 ms either way.
 */
export const POSTGRES_WRITERS = 3

/** How long after a burst last pressed the committer still counts as backlogged. */
const BURST_HOLD_MS = 50

/** Deadlocks and serialization failures abort a whole statement; every command in it is retried. */
const RETRYABLE = new Set(['40P01', '40001'])

/**
 * Group commit: commands for different rooms that arrive while a write is in flight go to the
 * database together in the next one, each fenced by its own expected version. A command whose
 * room moved on gets a ConcurrencyError alone; the others commit. Each caller's promise settles
 * only after the statement holding its write has committed.
 */
export class GroupCommitter extends EventEmitter<{ written: [WrittenStatement] }> {
  /** `overlapped`: statements sent while another was in flight (a burst's). */
  readonly stats = { batches: 0, writes: 0, overlapped: 0, announced: 0, announcedAlone: 0 }
  private readonly queue: Pending[] = []
  /** When the last NOTIFY was sent (in a statement or alone); whether a commit since went without one. */
  private lastAnnouncedAt = -Infinity
  private owed = false
  private trailing?: NodeJS.Timeout
  private inFlight = 0
  /** When a burst last pressed: a batch's worth of commands waited, or a second statement went (see backlogged). */
  private pressedAt = -Infinity
  private scheduled = false
  private readonly writers: number
  private readonly maxBatch: number
  private readonly flushAt: number

  constructor(private readonly options: GroupCommitOptions) {
    super()
    this.writers = options.writers ?? 1
    this.maxBatch = options.maxBatch ?? 64
    this.flushAt = options.flushAt ?? 16
  }

  /**
   * Deadlines (or requests) fell together: a batch's worth of commands waited, or a second
   * statement went, within the last BURST_HOLD_MS (a burst's queue empties between statements).
   */
  get backlogged(): boolean {
    return this.queue.length >= this.flushAt || performance.now() - this.pressedAt < BURST_HOLD_MS
  }

  /** Writes one command's facts and what they imply; resolves with the stored events once committed. */
  write(write: RoomWrite): Promise<StoredEvent[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject })
      // A burst (timers falling due together) keeps this turn busy for long: a writer that is free
      // takes a full batch now, so the database works on it while the rest are still decided.
      if (this.queue.length >= this.flushAt && this.canSend()) this.flush()
      else this.schedule()
    })
  }

  // Deferred to the end of this turn of the event loop, so writes made in the same turn (timers
  // that fall due together) share the first statement too.
  private schedule(): void {
    if (this.scheduled || !this.canSend()) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.flush()
    })
  }

  /**
   * Whether a statement may go now: one whenever commands wait, a second (up to `writers`) only for
   * a batch of at least `flushAt`, as deadlines falling together make. Under a steady load of a
   * few connections the commands then wait for the one statement in flight and go together in the
   * next, rather than split over two small ones: at 8 connections of pause/resume on PostgreSQL,
   * 3.2 commands a statement became 4.0, PostgreSQL's CPU a command fell by a third (its executor
   * starts and finishes the statement's plan once per statement) and the service's by a fifth.
   */
  private canSend(): boolean {
    if (this.queue.length === 0) return false
    return this.inFlight === 0 || (this.inFlight < this.writers && this.queue.length >= this.flushAt)
  }

  private flush(): void {
    while (this.canSend()) {
      const batch = this.take()
      if (this.inFlight > 0) {
        this.stats.overlapped++
        this.pressedAt = performance.now()
      }
      this.inFlight++
      void this.send(batch)
    }
  }

  /**
   * Writes a batch, then frees its writer and sends the next batch, if commands wait, BEFORE
   * answering this one's: answering (each command's HTTP answer, its projection) takes the event
   * loop for a while, and meanwhile the database would have nothing to do. Under a steady load of
   * a few connections, half of them wait for each statement in flight.
   */
  private async send(batch: Pending[]): Promise<void> {
    let answer: () => void
    try {
      answer = await this.run(batch)
    } catch (error) {
      answer = () => batch.forEach((p) => p.reject(error))
    }
    this.inFlight--
    this.flush()
    answer()
  }

  /** The next batch: in arrival order, at most one command per room (the rest wait their turn). */
  private take(): Pending[] {
    // Only a batch taken empties the queue: a full one taken marks the moment it stops being full.
    if (this.queue.length >= this.flushAt) this.pressedAt = performance.now()
    const batch: Pending[] = []
    const rooms = new Set<string>()
    const rest: Pending[] = []
    for (const pending of this.queue) {
      if (batch.length < this.maxBatch && !rooms.has(pending.write.streamId)) {
        rooms.add(pending.write.streamId)
        batch.push(pending)
      } else rest.push(pending)
    }
    this.queue.splice(0, this.queue.length, ...rest)
    return batch
  }

  /** Writes a batch in one statement; resolves, once it committed or failed, with what settles its callers. */
  private async run(batch: Pending[]): Promise<() => void> {
    let written: Map<string, WrittenRow[]>
    const announce = this.announceNow()
    const started = performance.now()
    try {
      written = await writeRoomBatch(this.options.db, batch.map((p) => p.write), this.options.node, this.options.leaseGraceMs, announce)
      // The statement NOTIFYs only if it wrote something (a batch whose commands all lost their race does not).
      if (written.size > 0) {
        if (announce) this.owed = false
        else if (this.options.announce) this.owe()
      }
    } catch (error) {
      const code = (error as { code?: string }).code
      if (code && RETRYABLE.has(code)) return () => batch.forEach((p) => p.reject(new ConcurrencyError(p.write.streamId, p.write.expectedVersion)))
      if (batch.length === 1) return () => batch[0]!.reject(error)
      // One command's bad row (a foreign key, say) must not fail the others: each goes alone.
      this.options.logger.debug({ err: error, commands: batch.length }, 'batch write failed; writing its commands one by one')
      const answers = await Promise.all(batch.map((p) => this.run([p])))
      return () => answers.forEach((answer) => answer())
    } finally {
      // Commits the trailing NOTIFY left to this statement stay owed if it did not announce them.
      if (this.owed) this.owe()
    }
    this.stats.batches++
    this.stats.writes += batch.length
    this.emit('written', { seconds: (performance.now() - started) / 1000 })
    return () => {
      for (const { write, resolve, reject } of batch) {
        const rows = written.get(write.streamId)
        if (!rows) {
          reject(new ConcurrencyError(write.streamId, write.expectedVersion))
          continue
        }
        if (rows.length !== write.events.length) {
          reject(new Error(`stream ${write.streamId}: ${rows.length} of ${write.events.length} events written`))
          continue
        }
        resolve(rows.map((row, i) => storedEvent(write.streamId, row, write.events[i]!)))
      }
    }
  }

  /** The channel this statement NOTIFYs, if one is due. */
  private announceNow(): string | undefined {
    const announce = this.options.announce
    if (!announce || performance.now() - this.lastAnnouncedAt < announce.everyMs) return undefined
    this.announced()
    return announce.channel
  }

  private announced(): void {
    this.lastAnnouncedAt = performance.now()
    this.stats.announced++
  }

  /**
   * A commit went unannounced: NOTIFY alone `everyMs` after the last NOTIFY, unless a statement
   * carries one by then. Under a steady stream of commits, statements carry every NOTIFY.
   */
  private owe(): void {
    this.owed = true
    if (!this.trailing) this.armTrailing(this.options.announce!.everyMs)
  }

  private armTrailing(ms: number): void {
    this.trailing = setTimeout(() => {
      this.trailing = undefined
      if (!this.owed) return
      const wait = this.lastAnnouncedAt + this.options.announce!.everyMs - performance.now()
      if (wait > 0) return this.armTrailing(wait)
      // A statement is in flight or about to go: the next one sent carries the NOTIFY (the
      // interval is over), and the one ending first arms this again if the commits are still owed.
      if (this.inFlight > 0 || this.queue.length > 0) return
      this.owed = false
      this.announced()
      this.stats.announcedAlone++
      notify(this.options.db, this.options.announce!.channel, this.options.node).catch((err: unknown) => this.options.logger.debug({ err }, 'notify failed'))
    }, ms)
    this.trailing.unref()
  }
}
