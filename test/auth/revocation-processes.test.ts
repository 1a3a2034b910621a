import { expect } from 'chai'
import { ctx } from '../support/context'
import { realPostgresUrl } from '../support/database'
import { api, meAnsweredAfter, newUser, refused } from '../support/http'
import { killServer, processDatabaseEnv, spawnServer, type ServerProcess } from '../support/process'
import { skipUnless } from '../support/skip'

describe('token revocation across processes', function () {
  this.timeout(90_000)
  // A polls so rarely that only the push can reach it in time; B polls often (the backstop).
  let a: ServerProcess | undefined
  let b: ServerProcess | undefined

  before(async function () {
    skipUnless(this, realPostgresUrl, 'needs a PostgreSQL shared by separate processes (set TEST_DATABASE_URL)')
    ;[a, b] = await Promise.all([
      spawnServer({ ...processDatabaseEnv(), REVOCATION_POLL_MS: '60000' }),
      spawnServer({ ...processDatabaseEnv(), REVOCATION_POLL_MS: '400' }),
    ])
  })
  after(() => Promise.all([killServer(a), killServer(b)]))

  it('refuses a token on every process soon after it is revoked on one (pushed by NOTIFY)', async () => {
    const user = await newUser('revoke')
    for (const server of [a!, b!]) expect((await api('GET', '/api/v1/auth/me', { baseUrl: server.url, token: user.token })).status).to.equal(200)
    expect((await api('POST', '/api/v1/auth/logout', { baseUrl: b!.url, token: user.token })).status).to.be.oneOf([200, 204])
    expect((await api('GET', '/api/v1/auth/me', { baseUrl: b!.url, token: user.token })).status).to.equal(401)
    // Far less than A's 60 s poll: only the notification can have told it.
    expect(await meAnsweredAfter(user.token, refused, 5_000, a!.url)).to.be.at.least(0)
  })

  it('refuses a revocation it was never told of within one poll interval (the backstop)', async () => {
    const user = await newUser('revoke')
    expect((await api('GET', '/api/v1/auth/me', { baseUrl: b!.url, token: user.token })).status).to.equal(200)
    const claims = JSON.parse(Buffer.from(user.token.split('.')[1]!, 'base64url').toString()) as { jti: string; exp: number }
    // Written straight to the table: no NOTIFY, so only B's poll can find it.
    await ctx().database.db.insertInto('revoked_tokens').values({ jti: claims.jti, user_id: user.id, expires_at: new Date(claims.exp * 1000) }).execute()
    const waited = await meAnsweredAfter(user.token, refused, 5_000, b!.url)
    expect(waited).to.be.at.least(0)
    console.log(`      refused ${waited} ms after the row was written (poll interval 400 ms)`)
  })
})
