import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import type { Database } from '../../src/db/database'
import { appendToStream, checkpointOf, compareCheckpoints, ConcurrencyError, readAll, readStream, readStreamFacts, streamVersion, START, type Checkpoint, type StoredEvent } from '../../src/event-store'
import { headCheckpoint } from '../../src/event-store/subscription'
import { ctx, openOwnDatabase } from '../support/context'
import { realPostgresUrl } from '../support/database'
import { skipUnless } from '../support/skip'

const db = () => ctx().database.db
const newStream = () => `test-${randomUUID()}`

/** Reads the whole log after a checkpoint, to the end, as a subscriber would, `limit` events a page. */
async function readToEnd(from: Checkpoint, database: Kysely<Database> = db(), limit = 100): Promise<{ events: StoredEvent[]; checkpoint: Checkpoint }> {
  const events: StoredEvent[] = []
  let checkpoint = from
  for (;;) {
    const page = await readAll(database, { after: checkpoint, limit })
    if (page.length === 0) return { events, checkpoint }
    events.push(...page)
    checkpoint = checkpointOf(page[page.length - 1]!)
  }
}

describe('event store', () => {
  describe('appendToStream', () => {
    it('appends at the expected version and returns positions and the new version', async () => {
      const stream = newStream()
      const first = await appendToStream(db(), stream, 0, [{ type: 'a', data: { n: 1 } }, { type: 'b', data: { n: 2 }, metadata: { user_id: 'u' } }])
      expect(first.nextVersion).to.equal(2)
      expect(first.events.map((e) => e.stream_position)).to.deep.equal([1, 2])
      const next = await appendToStream(db(), stream, 2, [{ type: 'c', data: {} }])
      expect(next.nextVersion).to.equal(3)
      expect(await streamVersion(db(), stream)).to.equal(3)
      const read = await readStream(db(), stream)
      expect(read.map((e) => [e.type, e.data])).to.deep.equal([['a', { n: 1 }], ['b', { n: 2 }], ['c', {}]])
      expect(read[1]!.metadata).to.deep.equal({ user_id: 'u' })
    })

    it('refuses a stale expected version and writes nothing', async () => {
      const stream = newStream()
      await appendToStream(db(), stream, 0, [{ type: 'a', data: {} }])
      for (const expected of [0, 5]) {
        for (const events of [[{ type: 'x', data: {} }], [{ type: 'x', data: {} }, { type: 'y', data: {} }]]) {
          let error: unknown
          await appendToStream(db(), stream, expected, events).catch((e) => (error = e))
          expect(error).to.be.instanceOf(ConcurrencyError)
        }
      }
      expect(await streamVersion(db(), stream)).to.equal(1)
    })

    it('lets exactly one of many concurrent writers at the same version win', async () => {
      const stream = newStream()
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => appendToStream(db(), stream, 0, [{ type: 'w', data: { i } }])))
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1)
      expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof ConcurrencyError)).to.equal(true)
      expect(await readStream(db(), stream)).to.have.length(1)
    })

    it('runs as a prepared statement on the connection', async () => {
      const stream = newStream()
      const prepared = await db()
        .connection()
        .execute(async (conn) => {
          await appendToStream(conn, stream, 0, [{ type: 'a', data: {} }])
          await appendToStream(conn, stream, 1, [{ type: 'b', data: {} }, { type: 'c', data: {} }])
          return (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(conn)).rows
        })
      // The room runtime's group-commit statement may be prepared on the same connection too.
      expect(prepared.filter((p) => p.statement.includes('insert into events') && !p.statement.includes('with cmd as'))).to.have.length(2)
      expect(await streamVersion(db(), stream)).to.equal(3)
    })
  })

  describe('readStream', () => {
    it('reads a window of versions', async () => {
      const stream = newStream()
      await appendToStream(db(), stream, 0, Array.from({ length: 5 }, (_, i) => ({ type: 't', data: { i } })))
      const window = await readStream(db(), stream, { fromVersion: 2, toVersion: 4 })
      expect(window.map((e) => e.stream_position)).to.deep.equal([2, 3, 4])
    })

    it('pages with a limit, and returns nothing past the last possible position', async () => {
      const stream = newStream()
      await appendToStream(db(), stream, 0, Array.from({ length: 5 }, (_, i) => ({ type: 't', data: { i } })))
      expect((await readStream(db(), stream, { fromVersion: 2, limit: 2 })).map((e) => e.stream_position)).to.deep.equal([2, 3])
      expect((await readStream(db(), stream, { fromVersion: 4, toVersion: 9, limit: 10 })).map((e) => e.stream_position)).to.deep.equal([4, 5])
      expect(await readStream(db(), stream, { fromVersion: 2_147_483_648 })).to.deep.equal([])
    })

    it('reads only position, type, data and schema version for a replay', async () => {
      const stream = newStream()
      await appendToStream(db(), stream, 0, [
        { type: 'a', data: { n: 1 }, metadata: { user_id: 'u' } },
        { type: 'b', data: { n: 2 } },
        { type: 'c', data: { n: 3 }, metadata: { user_id: 'u', schema_version: 4 } },
      ])
      expect(await readStreamFacts(db(), stream, { fromVersion: 2 })).to.deep.equal([
        { stream_position: 2, type: 'b', data: { n: 2 }, schema_version: null },
        { stream_position: 3, type: 'c', data: { n: 3 }, schema_version: 4 },
      ])
    })
  })

  describe('readAll', () => {
    it('returns appended events after the checkpoint, in (transaction, position) order', async () => {
      const { checkpoint } = await readToEnd(START)
      const stream = newStream()
      await appendToStream(db(), stream, 0, [{ type: 'a', data: {} }])
      await appendToStream(db(), stream, 1, [{ type: 'b', data: {} }, { type: 'c', data: {} }])
      const { events } = await readToEnd(checkpoint)
      const mine = events.filter((e) => e.stream_id === stream)
      expect(mine.map((e) => e.type)).to.deep.equal(['a', 'b', 'c'])
      for (let i = 1; i < events.length; i++) expect(compareCheckpoints(checkpointOf(events[i - 1]!), checkpointOf(events[i]!))).to.equal(-1)
    })

    it('keeps transaction order where the transaction ids gain a digit (999 → 1000), and its head is the last of them', async function () {
      this.timeout(60_000)
      // A log of its own: the transaction ids are written explicitly, below every real one.
      const database = await openOwnDatabase()
      try {
        const own = database.db
        const xmin = BigInt((await sql<{ xmin: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`.execute(own)).rows[0]!.xmin)
        const boundary = 10n ** BigInt(String(xmin - 2n).length - 1)
        const ids = [boundary - 2n, boundary - 1n, boundary, boundary + 1n].map(String)
        const stream = newStream()
        for (const [i, id] of ids.entries()) {
          await sql`insert into events (stream_id, stream_position, type, data, transaction_id) values (${stream}, ${i + 1}, 'e', '{}', ${id}::xid8)`.execute(own)
        }
        const { events } = await readToEnd(START, own, 2)
        expect(events.map((e) => e.transaction_id), 'read page by page').to.deep.equal(ids)
        expect((await readAll(own, { after: START, limit: 3 })).map((e) => e.transaction_id), 'one page').to.deep.equal(ids.slice(0, 3))
        expect((await headCheckpoint(own)).transaction_id).to.equal(ids[3])
      } finally {
        await database.dispose()
      }
    })

    it('never skips a slow transaction that took an earlier position but commits later', async function () {
      skipUnless(this, realPostgresUrl, 'needs two real PostgreSQL connections (set TEST_DATABASE_URL)')
      const slowPool = new pg.Pool({ connectionString: ctx().config.DATABASE_URL, max: 1 })
      const slowDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: slowPool }) })
      try {
        const { checkpoint } = await readToEnd(START)
        const slowStream = newStream()
        const fastStream = newStream()
        let release!: () => void
        const held = new Promise<void>((resolve) => (release = resolve))
        let appendedSlow!: () => void
        const slowAppended = new Promise<void>((resolve) => (appendedSlow = resolve))
        const slow = slowDb.transaction().execute(async (tx) => {
          await appendToStream(tx, slowStream, 0, [{ type: 'slow', data: {} }])
          appendedSlow()
          await held
        })
        await slowAppended
        await appendToStream(db(), fastStream, 0, [{ type: 'fast', data: {} }])
        // The fast event is committed, but the slow transaction may still commit before it in log order.
        const whileHeld = await readToEnd(checkpoint)
        expect(whileHeld.events.map((e) => e.type)).to.not.include('fast')
        release()
        await slow
        const after = await readToEnd(whileHeld.checkpoint)
        const types = after.events.filter((e) => e.stream_id === slowStream || e.stream_id === fastStream).map((e) => e.type)
        expect(types).to.deep.equal(['slow', 'fast'])
      } finally {
        await slowDb.destroy()
      }
    })
  })
})
