import { expect } from 'chai'
import { sql } from 'kysely'
import { randomUUID } from 'node:crypto'
import { insertScratchUser, openMigrated, withClient, type MigratedDatabase } from '../../src/db/scratch'
import { RoomRuntime } from '../../src/rooms/room-runtime'
import { POSTGRES_WRITERS } from '../../src/rooms/group-commit'
import { createScratchDatabase, realPostgresUrl } from '../support/database'
import { waitFor } from '../support/rooms'
import { openCommand, phase, quietLogger } from '../support/runtime'
import { skipUnless } from '../support/skip'

const ROOMS = 30
const PAUSES = 6
const POOL_SIZE = 4
/** The tables a room command writes. */
const COMMAND_TABLES = ['events', 'room_status', 'room_timers', 'room_snapshots']

describe('room_status rows are rewritten in place (migration 0009: HOT updates, no index entry per command)', function () {
  this.timeout(60_000)
  let database: MigratedDatabase | undefined
  let url: string

  before(async function () {
    skipUnless(this, realPostgresUrl, "needs real PostgreSQL (TEST_DATABASE_URL): it reads the server's table statistics")
    const scratch = await createScratchDatabase(realPostgresUrl!)
    url = scratch.url
    database = await openMigrated(scratch, { DATABASE_POOL_SIZE: POOL_SIZE, DATABASE_TIMEOUT_MS: 10_000, PGLITE_DATA_DIR: 'memory://' })
    // A statement in this database keeps its snapshot while it runs, and no dead row version it can
    // still see may be pruned to make room on a page. Two such holders are not what this test is
    // about, so they are kept out of it: autovacuum's ANALYZE of these fresh tables, and each new
    // pool connection's first statement (DATABASE_KEEP_FREED_MB, about 28 ms), by opening all the
    // pool's connections before the commands.
    await withClient(url, (client) => client.query(COMMAND_TABLES.map((table) => `alter table ${table} set (autovacuum_enabled = off)`).join('; ')))
    await Promise.all(Array.from({ length: POOL_SIZE }, () => sql`select 1`.execute(database!.db)))
  })

  after(async () => {
    await database?.dispose()
  })

  it(`keeps the status rows of ${ROOMS} rooms of one owner on their pages through ${PAUSES} pauses and resumes each`, async () => {
    const { db } = database!
    const ownerId = await insertScratchUser(db, 'hot')
    const runtime = new RoomRuntime({ db, clock: () => new Date(), logger: quietLogger, node: 'hot-updates', writers: POSTGRES_WRITERS })
    const plan = [phase(1, 30), phase(2, 30), phase(3, 30)]
    // The rooms go together, so their commands share statements as a cohort's would.
    await Promise.all(
      Array.from({ length: ROOMS }, async (_, i) => {
        const roomId = `hot-${i}-${randomUUID().slice(0, 8)}`
        await runtime.execute(roomId, openCommand(roomId, ownerId, plan))
        await runtime.execute(roomId, { type: 'startTimer' })
        for (let n = 0; n < PAUSES; n++) {
          await runtime.execute(roomId, { type: 'pauseTimer' })
          await runtime.execute(roomId, { type: 'resumeTimer' })
        }
      }),
    )
    const updates = ROOMS * (1 + 2 * PAUSES)
    // A server process reports its counts when it ends (while it idles, only every ten seconds).
    await database!.close()
    const counts = await waitFor(
      () =>
        withClient(url, async (client) => {
          const row = (await client.query<{ updated: number; hot: number }>(`select n_tup_upd::int as updated, n_tup_hot_upd::int as hot from pg_stat_user_tables where relname = 'room_status'`)).rows[0]
          return row && row.updated >= updates ? row : undefined
        }),
      10_000,
      `${updates} room_status updates in the table statistics`,
    )
    expect(counts.updated).to.equal(updates)
    // All of them in every run here; a page whose dead versions a statement in flight still sees
    // cannot be cleared yet, so a few may go elsewhere. On full pages about three in ten were HOT.
    expect(counts.hot, 'HOT updates (no new index entries)').to.be.at.least(Math.ceil(0.9 * updates))
  })
})
