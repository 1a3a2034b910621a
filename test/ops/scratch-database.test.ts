import { expect } from 'chai'
import pg from 'pg'
import { createScratchDatabase, withClient } from '../../src/db/scratch'
import { realPostgresUrl } from '../support/database'
import { skipUnless } from '../support/skip'

const PREFIX = 'mi_scratchtest'

const query = <T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> => withClient(url, async (client) => (await client.query<T>(text, values)).rows)

const existing = async () => (await query<{ datname: string }>(realPostgresUrl!, 'select datname from pg_database where starts_with(datname, $1) order by datname', [`${PREFIX}_`])).map((r) => r.datname)

describe('scratch databases left by a killed run (PostgreSQL)', () => {
  before(function () {
    skipUnless(this, realPostgresUrl, 'needs a PostgreSQL server to make databases on (set TEST_DATABASE_URL)')
  })

  it('drops those of its prefix older than six hours when it makes a new one, unless somebody is connected to one', async () => {
    const at = (hoursAgo: number) => (Date.now() - hoursAgo * 3_600_000).toString(36)
    const [stale, inUse, recent, foreign] = [`${PREFIX}_${at(7)}_a1b2c3`, `${PREFIX}_${at(8)}_d4e5f6`, `${PREFIX}_${at(1)}_0a0b0c`, `${PREFIX}_${at(9)}_not_ours`]
    for (const name of [stale, inUse, recent, foreign]) await query(realPostgresUrl!, `create database ${name}`)
    const url = new URL(realPostgresUrl!)
    url.pathname = `/${inUse}`
    const holder = new pg.Client({ connectionString: url.toString() })
    await holder.connect()
    let made: Awaited<ReturnType<typeof createScratchDatabase>> | undefined
    try {
      made = await createScratchDatabase(realPostgresUrl!, PREFIX)
      const left = await existing()
      expect(left).to.not.include(stale)
      expect(left).to.include.members([inUse, recent, foreign, new URL(made.url).pathname.slice(1)])
    } finally {
      await holder.end()
      await made?.drop()
      for (const name of [stale, inUse, recent, foreign]) await query(realPostgresUrl!, `drop database if exists ${name} with (force)`)
    }
    expect(await existing()).to.deep.equal([])
  })
})
