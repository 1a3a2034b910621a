import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import type { Db, Tx } from '../db/database'
import type { Logger } from '../logger'
import { readAll, START, type Checkpoint, type StoredEvent } from '../event-store'
import type { Projection, ProjectedFact } from '../../projections'
import type { RoomFactType } from '../../machines/interview-room'
import { factOf } from './room-facts.schema'

const ROOM_STREAM = 'room-'

function projectedFacts(projection: Projection, events: StoredEvent[]): ProjectedFact[] {
  const handles = new Set<string>(projection.handles as readonly RoomFactType[])
  return events
    .filter((e) => e.stream_id.startsWith(ROOM_STREAM) && handles.has(e.type))
    .map((e) => ({ room_id: e.stream_id.slice(ROOM_STREAM.length), version: e.stream_position, recorded_at: e.recorded_at, fact: factOf(e) }))
}

/**
 * Held by whoever projects or rebuilds a projection, until its transaction ends. An advisory lock
 * rather than a lock on the checkpoint row: it takes no transaction id, and log readers only see
 * events older than every open transaction id, so a row lock held while a page is read would hold
 * every subscriber back for as long. The transaction now takes an id only at its first write.
 */
const projectionLock = (name: string) => sql`hashtextextended(${`projection:${name}`}, 0)`

/** Takes the projection's lock for this transaction: waits for it, or says whether it was free. */
async function lockProjection(tx: Tx, name: string, wait: boolean): Promise<boolean> {
  if (wait) {
    await sql`select pg_advisory_xact_lock(${projectionLock(name)})`.execute(tx)
    return true
  }
  const locked = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${projectionLock(name)}) as locked`.execute(tx)
  return locked.rows[0]?.locked === true
}

/** Events a pass reads in one transaction. */
const PAGE_SIZE = 500

/** How a pass pages through the log. */
interface PageOptions {
  limit?: number
  /** Waits for the projection's lock instead of leaving the page to whoever holds it (a rebuild). */
  waitForLock?: boolean
}

/**
 * Applies the next page of the log to a projection, in one transaction with its checkpoint.
 * One process projects at a time (the others find the lock taken and move on); the checkpoint
 * moves compare-and-set. Returns the events read, or null when another process holds it.
 */
export async function projectNextPage(db: Db, projection: Projection, { limit = PAGE_SIZE, waitForLock = false }: PageOptions = {}): Promise<number | null> {
  return db.transaction().execute(async (tx) => {
    if (!(await lockProjection(tx, projection.name, waitForLock))) return null
    const checkpoint = await readCheckpoint(tx, projection.name)
    const page = await readAll(tx, { after: checkpoint, limit })
    if (page.length === 0) return 0
    await projection.apply(tx, projectedFacts(projection, page))
    const last = page[page.length - 1]!
    const moved = await sql`
      update projection_checkpoints set transaction_id = ${last.transaction_id}::xid8, global_position = ${last.global_position}, updated_at = now()
       where name = ${projection.name} and transaction_id = ${checkpoint.transaction_id}::xid8 and global_position = ${checkpoint.global_position}`.execute(tx)
    if (Number(moved.numAffectedRows) !== 1) throw new Error(`projection ${projection.name} checkpoint moved underneath it`)
    return page.length
  })
}

/** The projection's checkpoint; a projection seen for the first time starts at the beginning of the log. */
async function readCheckpoint(tx: Tx, name: string): Promise<Checkpoint> {
  const select = () => sql<Checkpoint>`select transaction_id::text as transaction_id, global_position from projection_checkpoints where name = ${name}`.execute(tx)
  const found = (await select()).rows[0]
  if (found) return found
  await tx.insertInto('projection_checkpoints').values({ name }).onConflict((oc) => oc.column('name').doNothing()).execute()
  return (await select()).rows[0]!
}

/** Projects until the end of the log (or until another process holds the projection). */
export async function catchUp(db: Db, projection: Projection, options?: PageOptions): Promise<number> {
  return (await projectToEnd(db, projection, options)).total
}

/** As catchUp, and says whether it stopped because another holder had the projection locked. */
async function projectToEnd(db: Db, projection: Projection, options: PageOptions = {}): Promise<{ total: number; blocked: boolean }> {
  const limit = options.limit ?? PAGE_SIZE
  let total = 0
  for (;;) {
    const read = await projectNextPage(db, projection, { ...options, limit })
    if (read === null) return { total, blocked: true }
    total += read
    if (read < limit) return { total, blocked: false }
  }
}

/** How soon a worker that found a projection locked looks again. */
const BLOCKED_RETRY_MS = 250

/**
 * Empties a projection and replays the whole log into it; live projectors wait on its lock
 * meanwhile. Returns once the projection has reached the end of the log (a live projector that
 * takes the lock between two pages delays it, not ends it), with the events it read itself.
 */
export async function rebuildProjection(db: Db, projection: Projection): Promise<number> {
  await db.transaction().execute(async (tx) => {
    await lockProjection(tx, projection.name, true)
    await readCheckpoint(tx, projection.name)
    for (const table of projection.tables) await sql`truncate table ${sql.table(table)}`.execute(tx)
    await sql`update projection_checkpoints set transaction_id = ${START.transaction_id}::xid8, global_position = 0, updated_at = now() where name = ${projection.name}`.execute(tx)
  })
  return catchUp(db, projection, { waitForLock: true })
}

export interface ProjectionWorkerOptions {
  /**
   * Called after a pass that committed projection rows, with how long it ran (ms). While it ran,
   * its transactions hid events committed meanwhile from log readers (see SETTLE_MS).
   */
  onCommitted?: (ranMs: number) => void
  /**
   * Passes start at least this far apart: under load, one pass folds everything appended since
   * the last (a few statements per projection) instead of one pass per commit.
   */
  minIntervalMs?: number
  /**
   * While this says commands are waiting to be written or deadlines are falling together, a pass
   * (and each projection in it) waits, at most {@link MAX_DEFER_MS} in all: read models catch up
   * after the burst instead of taking the process and the database from the commands it must answer.
   */
  backlog?: () => boolean
}

/** The longest a pass waits for a backlog of commands to clear. */
const MAX_DEFER_MS = 1_000
const DEFER_POLL_MS = 10

/** Keeps every projection caught up in this process, woken by the process's log subscription. */
export class ProjectionWorker {
  private running?: Promise<void>
  private again = false
  private retry?: NodeJS.Timeout
  private lastPassAt = 0

  constructor(
    private readonly db: Db,
    private readonly all: Projection[],
    private readonly logger: Logger,
    private readonly options: ProjectionWorkerOptions = {},
  ) {}

  wake(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      let blocked = false
      do {
        const wait = this.lastPassAt + (this.options.minIntervalMs ?? 0) - Date.now()
        if (wait > 0) await sleep(wait)
        const deferUntil = Date.now() + MAX_DEFER_MS
        await this.deferToBacklog(deferUntil)
        this.lastPassAt = Date.now()
        this.again = false
        blocked = false
        for (const [i, projection] of this.all.entries()) {
          // A burst can begin during a pass: the projections after the first wait for it too.
          if (i > 0) await this.deferToBacklog(deferUntil)
          try {
            const started = performance.now()
            const pass = await projectToEnd(this.db, projection)
            blocked = pass.blocked || blocked
            if (pass.total > 0) this.options.onCommitted?.(performance.now() - started)
          } catch (err) {
            this.logger.warn({ err, projection: projection.name }, 'projection failed; will retry on the next wake-up')
          }
        }
      } while (this.again)
      // The holder (another process, or a rebuild) may have read its page before the events that
      // woke us were visible: look again soon rather than wait for the next append.
      if (blocked && !this.retry) {
        this.retry = setTimeout(() => {
          this.retry = undefined
          void this.wake()
        }, BLOCKED_RETRY_MS)
        this.retry.unref()
      }
    })().finally(() => (this.running = undefined))
    return this.running
  }

  /** Waits while the backlog lasts, until `until` at the latest. */
  private async deferToBacklog(until: number): Promise<void> {
    while (this.options.backlog?.() && Date.now() < until) await sleep(DEFER_POLL_MS)
  }

  /** Waits for the current pass to finish and drops a pending retry (shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running
    if (this.retry) clearTimeout(this.retry)
    this.retry = undefined
  }
}
