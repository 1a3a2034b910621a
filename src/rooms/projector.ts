import { sql } from 'kysely'
import type { Db } from '../db/database'
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
 * Applies the next page of the log to a projection, in one transaction with its checkpoint.
 * The checkpoint row is locked (SKIP LOCKED: one process projects at a time, the others move on)
 * and moved compare-and-set. Returns the events read, or null when another process holds it.
 */
export async function projectNextPage(db: Db, projection: Projection, limit = 500): Promise<number | null> {
  await db.insertInto('projection_checkpoints').values({ name: projection.name }).onConflict((oc) => oc.column('name').doNothing()).execute()
  return db.transaction().execute(async (tx) => {
    const locked = await sql<Checkpoint>`
      select transaction_id::text as transaction_id, global_position from projection_checkpoints
       where name = ${projection.name} for update skip locked`.execute(tx)
    const checkpoint = locked.rows[0]
    if (!checkpoint) return null
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

/** Projects until the end of the log (or until another process holds the projection). */
export async function catchUp(db: Db, projection: Projection, limit = 500): Promise<number> {
  return (await projectToEnd(db, projection, limit)).total
}

/** As catchUp, and says whether it stopped because another holder had the projection locked. */
async function projectToEnd(db: Db, projection: Projection, limit = 500): Promise<{ total: number; blocked: boolean }> {
  let total = 0
  for (;;) {
    const read = await projectNextPage(db, projection, limit)
    if (read === null) return { total, blocked: true }
    total += read
    if (read < limit) return { total, blocked: false }
  }
}

/** How soon a worker that found a projection locked looks again. */
const BLOCKED_RETRY_MS = 250

/** Empties a projection and replays the whole log into it; live projectors wait on its checkpoint lock meanwhile. */
export async function rebuildProjection(db: Db, projection: Projection): Promise<number> {
  await db.insertInto('projection_checkpoints').values({ name: projection.name }).onConflict((oc) => oc.column('name').doNothing()).execute()
  await db.transaction().execute(async (tx) => {
    await sql`select 1 from projection_checkpoints where name = ${projection.name} for update`.execute(tx)
    for (const table of projection.tables) await sql`truncate table ${sql.table(table)}`.execute(tx)
    await sql`update projection_checkpoints set transaction_id = ${START.transaction_id}::xid8, global_position = 0, updated_at = now() where name = ${projection.name}`.execute(tx)
  })
  return catchUp(db, projection)
}

/** Keeps every projection caught up in this process, woken by the process's log subscription. */
export class ProjectionWorker {
  private running?: Promise<void>
  private again = false
  private retry?: NodeJS.Timeout

  constructor(
    private readonly db: Db,
    private readonly all: Projection[],
    private readonly logger: Logger,
  ) {}

  wake(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      let blocked = false
      do {
        this.again = false
        blocked = false
        for (const projection of this.all) {
          try {
            blocked = (await projectToEnd(this.db, projection)).blocked || blocked
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

  /** Waits for the current pass to finish and drops a pending retry (shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running
    if (this.retry) clearTimeout(this.retry)
    this.retry = undefined
  }
}
