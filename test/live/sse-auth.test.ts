import { expect } from 'chai'
import bunyan from 'bunyan'
import { Writable } from 'node:stream'
import { signToken } from '../../src/auth/token'
import { redactUrl } from '../../src/http/request-logger'
import { ctx } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'
import { named, openSse, refusedSse } from '../support/sse'
import { closeExtraServices, eventsUrl, extraService, openRoom, waitFor } from './live.fixtures'

async function streamToken(user: TestUser, roomId: string) {
  const reply = await api('POST', `/api/interview/${roomId}/stream-token`, { token: user.token })
  expect(reply.status, reply.text).to.equal(200)
  return reply.body as { token: string; token_type: string; expires_in: number; room_id: string; url: string }
}

/** A token signed with the test service's own key, issuer and audience, so only the claims decide. */
const signed = (user: TestUser, options: { now?: Date; ttlSeconds?: number; extra?: Record<string, string> }) =>
  signToken(ctx().config, user.id, options.now ?? new Date(), options).then((t) => t.token)

describe('SSE authentication with room-scoped stream tokens', () => {
  let user: TestUser
  let roomId: string

  before(async () => {
    user = await newUser('stream')
    roomId = await openRoom(user)
  })
  after(closeExtraServices)

  it('issues a short-lived token whose URL opens this room’s stream without a header', async () => {
    const issued = await streamToken(user, roomId)
    expect(issued).to.include({ token_type: 'stream', room_id: roomId, expires_in: ctx().config.STREAM_TOKEN_TTL_SECONDS })
    const client = await openSse(new URL(issued.url, ctx().url).toString())
    try {
      expect(client.status).to.equal(200)
      const connected = await client.next(named('connected'))
      expect(JSON.parse(connected.data!).room_id).to.equal(roomId)
    } finally {
      client.close()
    }
  })

  it('refuses the token on another room’s stream with 401, even one the same user owns', async () => {
    const issued = await streamToken(user, roomId)
    const mine = await openRoom(user)
    const reply = await refusedSse(eventsUrl(mine, { access_token: issued.token }))
    expect(reply.status).to.equal(401)
    expect(reply.body.error.code).to.equal('unauthorized')
  })

  it('refuses an expired stream token with 401', async () => {
    const expired = await signed(user, { now: new Date(Date.now() - 120_000), ttlSeconds: 60, extra: { scope: 'stream', room_id: roomId } })
    const reply = await refusedSse(eventsUrl(roomId, { access_token: expired }))
    expect(reply.status).to.equal(401)
    expect(reply.body.error.message).to.match(/expired/i)
    const fresh = await signed(user, { ttlSeconds: 60, extra: { scope: 'stream', room_id: roomId } })
    const accepted = await openSse(eventsUrl(roomId, { access_token: fresh }))
    accepted.close()
    expect(accepted.status, 'the same claims, not expired, pass').to.equal(200)
  })

  it('expires a token issued with the configured TTL', async function () {
    this.timeout(20_000)
    const service = await extraService({ STREAM_TOKEN_TTL_SECONDS: '10' })
    const reply = await api('POST', `/api/interview/${roomId}/stream-token`, { token: user.token, baseUrl: service.url })
    expect(reply.body.expires_in).to.equal(10)
    const [, payload] = (reply.body.token as string).split('.')
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString())
    expect(claims.exp - claims.iat).to.equal(10)
    expect(claims).to.include({ scope: 'stream', room_id: roomId, sub: user.id })
  })

  it('refuses a stream token as a Bearer token on every other endpoint, and a user token in the query', async () => {
    const { token } = await streamToken(user, roomId)
    for (const path of [`/api/interview/${roomId}/timer/status`, '/api/v1/auth/me', '/api/interview/rooms', '/api/connections/status']) {
      const reply = await api('GET', path, { token })
      expect(reply.status, path).to.equal(401)
    }
    const command = await api('POST', `/api/interview/${roomId}/timer/start`, { token })
    expect(command.status).to.equal(401)
    const userTokenInQuery = await refusedSse(eventsUrl(roomId, { access_token: user.token }))
    expect(userTokenInQuery.status, 'a full user token never travels in a URL').to.equal(401)
    const queryOnOtherPath = await api('GET', `/api/interview/${roomId}/timer/status?access_token=${token}`)
    expect(queryOnOtherPath.status, 'the query token is read only on the events path').to.equal(401)
  })

  it('does not issue a stream token for another user’s room (404)', async () => {
    const other = await newUser('stream-other')
    const reply = await api('POST', `/api/interview/${roomId}/stream-token`, { token: other.token })
    expect(reply.status).to.equal(404)
    const othersToken = await signed(other, { extra: { scope: 'stream', room_id: roomId } })
    const refused = await refusedSse(eventsUrl(roomId, { access_token: othersToken }))
    expect(refused.status, 'a valid stream token still needs a user who may see the room').to.equal(404)
  })

  describe('tokens in URLs', () => {
    it('redacts credential query parameters', () => {
      expect(redactUrl('/api/interview/r1/events?access_token=abc.def.ghi&last_event_id=4')).to.equal('/api/interview/r1/events?access_token=[redacted]&last_event_id=4')
      expect(redactUrl('/x?last_event_id=4&ACCESS_TOKEN=a&token=b&password=c')).to.equal('/x?last_event_id=4&ACCESS_TOKEN=[redacted]&token=[redacted]&password=[redacted]')
      expect(redactUrl('/x?my_access_token=keep')).to.equal('/x?my_access_token=keep')
    })

    it('compares parameter names decoded: an encoded name is redacted too', () => {
      expect(redactUrl('/x?%61ccess_token=abc&last_event_id=4')).to.equal('/x?%61ccess_token=[redacted]&last_event_id=4')
      expect(redactUrl('/x?access%5Ftoken=abc')).to.equal('/x?access%5Ftoken=[redacted]')
      expect(redactUrl('/x?%70assword=a&token[]=b&%zz=keep')).to.equal('/x?%70assword=[redacted]&token[]=[redacted]&%zz=keep')
    })

    it('logs a stream request whose parameter name is percent-encoded with the token redacted', async () => {
      const records: Array<Record<string, unknown>> = []
      const sink = new Writable({ objectMode: true, write: (record, _enc, done) => (records.push(record), done()) })
      const logger = bunyan.createLogger({ name: 'redaction-test', streams: [{ type: 'raw', level: 'info', stream: sink }] })
      const service = await extraService({}, { logger })
      const { token } = await streamToken(user, roomId)
      const client = await openSse(`${service.url}/api/interview/${roomId}/events?%61ccess_token=${token}`)
      await client.next(named('connected'))
      client.close()
      const line = await waitFor(() => records.find((r) => String(r.path ?? '').includes('/events')), 2_000, 'the request log line')
      expect(line.path).to.equal(`/api/interview/${roomId}/events?%61ccess_token=[redacted]`)
      expect(JSON.stringify(records)).to.not.include(token)
    })

    it('logs the stream request with the token replaced by [redacted]', async () => {
      const records: Array<Record<string, unknown>> = []
      const sink = new Writable({ objectMode: true, write: (record, _enc, done) => (records.push(record), done()) })
      const logger = bunyan.createLogger({ name: 'redaction-test', streams: [{ type: 'raw', level: 'info', stream: sink }] })
      const service = await extraService({}, { logger })
      const { token } = await streamToken(user, roomId)
      const client = await openSse(eventsUrl(roomId, { access_token: token, last_event_id: 1 }, service.url))
      await client.next(named('connected'))
      client.close()
      const line = await waitFor(() => records.find((r) => String(r.path ?? '').includes('/events')), 2_000, 'the request log line')
      expect(line.path).to.equal(`/api/interview/${roomId}/events?access_token=[redacted]&last_event_id=1`)
      expect(JSON.stringify(records)).to.not.include(token)
    })
  })
})
