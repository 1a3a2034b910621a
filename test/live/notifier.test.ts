import { expect } from 'chai'
import { sql } from 'kysely'
import { CHANNEL, EventNotifier } from '../../src/event-store/notifier'
import { ctx } from '../support/context'
import { realPostgresUrl } from '../support/database'
import { quietLogger } from '../support/runtime'
import { skipUnless } from '../support/skip'
import { sleep, waitFor } from './live.fixtures'

/** A listening notifier for process `node` that counts its wake-ups. */
async function listeningAs(node: string) {
  const notifier = new EventNotifier({ url: ctx().config.DATABASE_URL, logger: quietLogger, node })
  await notifier.start()
  const counted = { wakes: 0, notifier }
  notifier.on('wake', () => counted.wakes++)
  return counted
}

const notify = (payload: string) => sql`select pg_notify(${CHANNEL}, ${payload})`.execute(ctx().database.db)

describe('EventNotifier across processes (PostgreSQL)', () => {
  before(function () {
    skipUnless(this, realPostgresUrl, 'needs LISTEN/NOTIFY on a real PostgreSQL (set TEST_DATABASE_URL)')
  })

  it("wakes other processes' readers for a process's own write, and not that process's (it delivered its events itself)", async () => {
    const a = await listeningAs('node-a')
    const b = await listeningAs('node-b')
    try {
      await notify('node-a')
      await waitFor(async () => b.wakes === 1, 5_000, 'process b to be woken')
      // Both listen on the same server: had a's notification woken a, it would have by now.
      await notify('')
      await waitFor(async () => a.wakes === 1 && b.wakes === 2, 5_000, 'both to be woken by an unsigned notification')
      await sleep(100)
      expect({ a: a.wakes, b: b.wakes }).to.deep.equal({ a: 1, b: 2 })
    } finally {
      await a.notifier.close()
      await b.notifier.close()
    }
  })
})
