import { expect } from 'chai'
import { sql } from 'kysely'
import { ctx } from '../support/context'
import { realPostgresUrl } from '../support/database'
import { api, meAnsweredAfter, newUser, refused } from '../support/http'
import { killServer, processDatabaseEnv, spawnServer, type ServerProcess } from '../support/process'
import { skipUnless } from '../support/skip'

describe('users kept in memory across processes', function () {
  this.timeout(90_000)
  // A keeps what it read for a minute, so only the push can reach it in time; B for 300 ms (the backstop).
  let a: ServerProcess | undefined
  let b: ServerProcess | undefined

  before(async function () {
    skipUnless(this, realPostgresUrl, 'needs a PostgreSQL shared by separate processes (set TEST_DATABASE_URL)')
    ;[a, b] = await Promise.all([spawnServer({ ...processDatabaseEnv(), USER_CACHE_MS: '60000' }), spawnServer({ ...processDatabaseEnv(), USER_CACHE_MS: '300' })])
  })
  after(() => Promise.all([killServer(a), killServer(b)]))

  it('sees a role changed in SQL, and refuses a deleted user’s token, soon after (pushed by the row’s trigger)', async () => {
    const user = await newUser('cached')
    expect((await api('GET', '/api/v1/auth/me', { baseUrl: a!.url, token: user.token })).body).to.include({ role: 'user' })
    await ctx().database.db.updateTable('users').set({ role: 'admin' }).where('id', '=', user.id).execute()
    // Far less than A's 60 s: only the notification can have told it.
    expect(await meAnsweredAfter(user.token, (reply) => reply.body.role === 'admin', 5_000, a!.url)).to.be.at.least(0)
    await ctx().database.db.deleteFrom('users').where('id', '=', user.id).execute()
    expect(await meAnsweredAfter(user.token, refused, 5_000, a!.url)).to.be.at.least(0)
  })

  it('refuses a deleted user’s token within USER_CACHE_MS when no notification came (the backstop)', async () => {
    const user = await newUser('cached')
    expect((await api('GET', '/api/v1/auth/me', { baseUrl: b!.url, token: user.token })).status).to.equal(200)
    // Triggers do not fire for a replica session: the row goes without a word.
    await ctx().database.db.transaction().execute(async (tx) => {
      await sql`set local session_replication_role = replica`.execute(tx)
      await tx.deleteFrom('users').where('id', '=', user.id).execute()
    })
    const waited = await meAnsweredAfter(user.token, refused, 5_000, b!.url)
    expect(waited).to.be.at.least(0)
    console.log(`      refused ${waited} ms after the row was deleted unannounced (USER_CACHE_MS 300)`)
  })
})
