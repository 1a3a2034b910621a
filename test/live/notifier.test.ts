import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import pg from 'pg'
import { EventNotifier } from '../../src/event-store/notifier'
import { GroupCommitter } from '../../src/rooms/group-commit'
import { ctx } from '../support/context'
import { realPostgresUrl } from '../support/database'
import { newUser } from '../support/http'
import { injectWrite, newRoomId, quietLogger } from '../support/runtime'
import { skipUnless } from '../support/skip'
import { sleep, waitFor } from './live.fixtures'

/** A channel of the test's own: the suite's service NOTIFYs the events channel whenever it commits. */
const testChannel = () => `mi_test_${randomUUID().replace(/-/g, '')}`

/** A notifier listening on `channel` for process `node`, that counts its wake-ups. */
async function listeningAs(channel: string, node: string) {
  const notifier = new EventNotifier({ url: ctx().config.DATABASE_URL, logger: quietLogger, node, channel })
  await notifier.start()
  const counted = { wakes: 0, notifier }
  notifier.on('wake', () => counted.wakes++)
  return counted
}

const notify = (channel: string, payload: string) => sql`select pg_notify(${channel}, ${payload})`.execute(ctx().database.db)

describe('EventNotifier across processes (PostgreSQL)', () => {
  before(function () {
    skipUnless(this, realPostgresUrl, 'needs LISTEN/NOTIFY on a real PostgreSQL (set TEST_DATABASE_URL)')
  })

  it("wakes other processes' readers for a process's own write, and not that process's (it delivered its events itself)", async () => {
    const channel = testChannel()
    const a = await listeningAs(channel, 'node-a')
    const b = await listeningAs(channel, 'node-b')
    try {
      await notify(channel, 'node-a')
      await waitFor(async () => b.wakes === 1, 5_000, 'process b to be woken')
      // Notifications on a channel arrive in order: once a has the unsigned one, it has had its own too.
      await notify(channel, '')
      await waitFor(async () => a.wakes === 1 && b.wakes === 2, 5_000, 'both to be woken by an unsigned notification')
      await sleep(100)
      expect({ a: a.wakes, b: b.wakes }).to.deep.equal({ a: 1, b: 2 })
    } finally {
      await a.notifier.close()
      await b.notifier.close()
    }
  })
})

describe('group-commit statements announcing to other processes (PostgreSQL)', () => {
  before(function () {
    skipUnless(this, realPostgresUrl, 'needs LISTEN/NOTIFY on a real PostgreSQL (set TEST_DATABASE_URL)')
  })

  it('NOTIFY at most once per interval, and announce the commits left without one an interval later', async () => {
    const channel = testChannel()
    const listener = new pg.Client({ connectionString: ctx().config.DATABASE_URL })
    const heard: Array<{ payload?: string; at: number }> = []
    listener.on('notification', (msg) => heard.push({ payload: msg.payload, at: Date.now() }))
    await listener.connect()
    await listener.query(`listen ${channel}`)
    try {
      const user = await newUser('announce')
      const committer = new GroupCommitter({ db: ctx().database.db, logger: quietLogger, node: 'node-a', leaseGraceMs: 500, announce: { channel, everyMs: 1_000 } })
      const started = Date.now()
      for (let i = 0; i < 5; i++) await committer.write(injectWrite(newRoomId(), user.id, 0))
      expect(Date.now() - started, 'five writes took less than the interval').to.be.below(1_000)
      await waitFor(() => heard.length >= 2, 5_000, 'the late announcement')
      await sleep(1_200)
      expect(heard.map((h) => h.payload)).to.deep.equal(['node-a', 'node-a'])
      expect(heard[1]!.at - heard[0]!.at).to.be.at.least(900)
      expect(committer.stats).to.include({ batches: 5, announced: 2, announcedAlone: 1 })
    } finally {
      await listener.end()
    }
  })

  it('under a steady stream of statements, the statements carry every NOTIFY: none goes alone until the stream stops', async () => {
    const channel = testChannel()
    const user = await newUser('announce-stream')
    const committer = new GroupCommitter({ db: ctx().database.db, logger: quietLogger, node: 'node-a', leaseGraceMs: 500, writers: 2, announce: { channel, everyMs: 40 } })
    // Four writers in a loop, each command for a room of its own: two statements are always in flight.
    const until = Date.now() + 800
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < until) await committer.write(injectWrite(newRoomId(), user.id, 0))
      }),
    )
    expect(committer.stats.announced, 'about one NOTIFY per interval').to.be.within(8, 24)
    expect(committer.stats.announcedAlone, 'none alone while statements went on').to.equal(0)
    // The last commits, if no statement carried a NOTIFY after them, are announced alone.
    await sleep(200)
    expect(committer.stats.announcedAlone).to.be.at.most(1)
  })
})
