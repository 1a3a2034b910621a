import { expect } from 'chai'
import { api, newUser, type TestUser } from '../support/http'
import { named, openSse, refusedSse, type SseClient } from '../support/sse'
import { closeExtraServices, eventsUrl, extraService, openRoom, sleep } from './live.fixtures'

async function streamToken(token: string, roomId: string): Promise<string> {
  const reply = await api('POST', `/api/interview/${roomId}/stream-token`, { token })
  expect(reply.status, reply.text).to.equal(200)
  return reply.body.token
}

async function logout(token: string): Promise<void> {
  const reply = await api('POST', '/api/v1/auth/logout', { token })
  expect(reply.status, reply.text).to.equal(200)
}

/** A second login of the same user: another session. */
async function loginAgain(user: TestUser): Promise<string> {
  const reply = await api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } })
  expect(reply.status, reply.text).to.equal(200)
  return reply.body.access_token
}

/** How long the stream took to end, failing after `boundMs`. */
async function endsWithin(client: SseClient, boundMs: number): Promise<number> {
  const started = Date.now()
  const outcome = await Promise.race([client.ended.then(() => 'ended'), sleep(boundMs).then(() => 'open')])
  expect(outcome, `the stream was still open ${boundMs} ms after logout`).to.equal('ended')
  return Date.now() - started
}

describe('logout ends the session’s event streams and stream tokens', function () {
  this.timeout(30_000)
  let user: TestUser
  let roomId: string
  beforeEach(async () => {
    user = await newUser('logout')
    roomId = await openRoom(user)
  })
  after(closeExtraServices)

  it('refuses (401) a stream token issued before logout, though it has not expired', async () => {
    const token = await streamToken(user.token, roomId)
    const before = await openSse(eventsUrl(roomId, { access_token: token }))
    expect(before.status).to.equal(200)
    before.close()
    await logout(user.token)
    const after = await refusedSse(eventsUrl(roomId, { access_token: token }))
    expect(after.status).to.equal(401)
    expect(after.body.error.code).to.equal('unauthorized')
  })

  it('ends at once the streams of that session open on the process that served the logout', async () => {
    const byHeader = await openSse(eventsUrl(roomId), { token: user.token })
    const byStreamToken = await openSse(eventsUrl(roomId, { access_token: await streamToken(user.token, roomId) }))
    await Promise.all([byHeader.next(named('connected')), byStreamToken.next(named('connected'))])
    await logout(user.token)
    await endsWithin(byHeader, 1_000)
    await endsWithin(byStreamToken, 1_000)
  })

  it('ends them on another process within its revocation poll (REVOCATION_POLL_MS), and leaves other sessions’ streams open', async () => {
    const other = await extraService({ REVOCATION_POLL_MS: '200', SSE_HEARTBEAT_MS: '200' })
    const otherSession = await loginAgain(user)
    const revoked = await openSse(eventsUrl(roomId, { access_token: await streamToken(user.token, roomId) }, other.url))
    const kept = await openSse(eventsUrl(roomId, { access_token: await streamToken(otherSession, roomId) }, other.url))
    await Promise.all([revoked.next(named('connected')), kept.next(named('connected'))])
    await logout(user.token)
    await endsWithin(revoked, 1_000)
    const beats = kept.messages.filter(named('heartbeat')).length
    await kept.next(() => kept.messages.filter(named('heartbeat')).length > beats + 1, 3_000)
    expect(kept.isEnded()).to.equal(false)
    kept.close()
  })
})

describe('open event streams per user (SSE_MAX_STREAMS_PER_USER)', function () {
  this.timeout(30_000)
  after(closeExtraServices)

  it('answers 429 with Retry-After beyond the cap, serves other users, and lets a stream open once one closes', async () => {
    const service = await extraService({ SSE_MAX_STREAMS_PER_USER: '2', SSE_RETRY_MS: '3000' })
    const user = await newUser('capped', service.url)
    const roomId = await openRoom(user, undefined, { baseUrl: service.url })
    const url = eventsUrl(roomId, {}, service.url)
    const open = await Promise.all([openSse(url, { token: user.token }), openSse(url, { token: user.token })])
    expect(open.map((c) => c.status)).to.deep.equal([200, 200])
    const refused = await openSse(url, { token: user.token })
    await refused.ended
    expect(refused.status).to.equal(429)
    expect(refused.headers['retry-after']).to.equal('3')
    expect(refused.json().error.code).to.equal('rate_limited')

    const other = await newUser('uncapped', service.url)
    const otherRoom = await openRoom(other, undefined, { baseUrl: service.url })
    const theirs = await openSse(eventsUrl(otherRoom, {}, service.url), { token: other.token })
    expect(theirs.status).to.equal(200)
    theirs.close()

    open[0]!.close()
    await open[0]!.ended
    await sleep(100)
    const again = await openSse(url, { token: user.token })
    expect(again.status).to.equal(200)
    again.close()
    open[1]!.close()
  })
})
