import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Database } from '../../src/db/database'
import { appendToStream, checkpointOf, compareCheckpoints, type StoredEvent } from '../../src/event-store'
import { EventNotifier } from '../../src/event-store/notifier'
import { LogSubscription } from '../../src/event-store/subscription'
import { ctx } from '../support/context'
import { realPostgresUrl } from '../support/database'
import { quietLogger } from '../support/runtime'
import { skipUnless } from '../support/skip'
import { sleep, waitFor } from './live.fixtures'

const db = () => ctx().database.db
const newStream = () => `order-${randomUUID()}`

/** A started subscription from the head of the log that keeps every event it is given, in delivery order. */
async function collectingSubscription() {
  const notifier = new EventNotifier({ logger: quietLogger })
  const subscription = new LogSubscription({ db: db(), notifier, logger: quietLogger, pollMs: 50, batchSize: 7 })
  const delivered: StoredEvent[] = []
  subscription.onBatch((events) => void delivered.push(...events))
  await subscription.start()
  return { subscription, notifier, delivered }
}

/** Delivery order is (transaction_id, global_position) order, every event at most once. */
function expectCommitSafeOrder(delivered: StoredEvent[]) {
  for (let i = 1; i < delivered.length; i++) {
    expect(compareCheckpoints(checkpointOf(delivered[i - 1]!), checkpointOf(delivered[i]!)), `event ${i} is after event ${i - 1}`).to.equal(-1)
  }
}

/** A separate connection pool, so a transaction can stay open while the shared pool commits others. */
function secondDatabase(max: number) {
  const pool = new pg.Pool({ connectionString: ctx().config.DATABASE_URL, max })
  pool.on('error', () => undefined)
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
}

describe('LogSubscription with writers that commit out of order (PostgreSQL)', () => {
  before(function () {
    skipUnless(this, realPostgresUrl, 'needs concurrent transactions on a real PostgreSQL (set TEST_DATABASE_URL)')
  })

  it('delivers the event of a long transaction that holds an earlier position, and the later one after it, skipping neither', async function () {
    this.timeout(15_000)
    const { subscription, notifier, delivered } = await collectingSubscription()
    const slowDb = secondDatabase(1)
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let slowCommit: Promise<void> | undefined
    try {
      const slowStream = newStream()
      const fastStream = newStream()
      let slowPosition = 0
      await new Promise<void>((appended, failed) => {
        slowCommit = slowDb.transaction().execute(async (tx) => {
          slowPosition = (await appendToStream(tx, slowStream, 0, [{ type: 'slow', data: {} }])).events[0]!.global_position
          appended()
          await held
        })
        slowCommit.catch(failed)
      })
      const fast = await appendToStream(db(), fastStream, 0, [{ type: 'fast', data: {} }])
      expect(fast.events[0]!.global_position, 'the committed event took the later position').to.be.greaterThan(slowPosition)
      notifier.appended()
      await sleep(300)
      const mine = () => delivered.filter((e) => e.stream_id === slowStream || e.stream_id === fastStream)
      expect(mine(), 'nothing is delivered past a transaction still open').to.deep.equal([])

      release()
      await slowCommit
      await waitFor(() => mine().length === 2, 10_000, 'both events')
      expect(mine().map((e) => e.type)).to.deep.equal(['slow', 'fast'])
      expectCommitSafeOrder(delivered)
      await sleep(200)
      expect(mine(), 'and neither twice').to.have.length(2)
    } finally {
      release()
      await slowCommit?.catch(() => undefined)
      await subscription.stop()
      await slowDb.destroy()
    }
  })

  it('delivers every event exactly once while many writers hold their transactions for random times', async function () {
    this.timeout(20_000)
    const { subscription, notifier, delivered } = await collectingSubscription()
    const writersDb = secondDatabase(12)
    const streams = Array.from({ length: 12 }, newStream)
    const expected = new Set<number>()
    try {
      await Promise.all(
        streams.map(async (stream, w) => {
          for (let round = 0; round < 6; round++) {
            await writersDb.transaction().execute(async (tx) => {
              const { events } = await appendToStream(tx, stream, round, [{ type: 'w', data: { w, round } }])
              for (const e of events) expected.add(e.global_position)
              await sleep(((w * 7 + round * 13) % 5) * 15)
            })
            notifier.appended()
          }
        }),
      )
      const streamSet = new Set(streams)
      const mine = () => delivered.filter((e) => streamSet.has(e.stream_id))
      await waitFor(() => mine().length >= expected.size, 10_000, `all ${expected.size} events`)
      await sleep(200)
      const positions = mine().map((e) => e.global_position)
      expect(positions, 'none twice').to.have.length(new Set(positions).size)
      expect(new Set(positions), 'none skipped').to.deep.equal(expected)
      expectCommitSafeOrder(delivered)
      for (const stream of streams) {
        const rounds = mine().filter((e) => e.stream_id === stream).map((e) => (e.data as { round: number }).round)
        expect(rounds, `${stream} in stream order`).to.deep.equal([0, 1, 2, 3, 4, 5])
      }
    } finally {
      await subscription.stop()
      await writersDb.destroy()
    }
  })
})
