import { expect } from 'chai'
import { connect } from 'node:net'
import { closeExtraServices, eventsUrl, extraService, openRoom, sleep } from '../live/live.fixtures'
import { newUser } from '../support/http'
import { named, openSse } from '../support/sse'

/** Sends `chunk` on a raw connection and never finishes the request; resolves with what came back and when the server closed it. */
function stalledRequest(url: string, chunk: string): Promise<{ reply: string; afterMs: number }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const started = Date.now()
    let reply = ''
    const socket = connect(Number(port), hostname, () => socket.write(chunk))
    socket.setEncoding('utf8')
    socket.on('data', (data) => (reply += data))
    socket.on('error', reject)
    socket.on('close', () => resolve({ reply, afterMs: Date.now() - started }))
    // Bounded: a server that never closes fails the test instead of hanging it.
    setTimeout(() => socket.destroy(), 20_000).unref()
  })
}

describe('HTTP request timeouts (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS)', function () {
  this.timeout(30_000)
  after(closeExtraServices)
  const limits = { HTTP_HEADERS_TIMEOUT_MS: '400', HTTP_REQUEST_TIMEOUT_MS: '800', SSE_HEARTBEAT_MS: '200' }

  it('closes a connection whose headers never finish with 408, long before the 20 s bound (Node would wait ~90 s)', async () => {
    const service = await extraService(limits)
    const { reply, afterMs } = await stalledRequest(service.url, 'GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ')
    expect(reply).to.match(/^HTTP\/1\.1 408/)
    expect(afterMs).to.be.lessThan(20_000)
  })

  it('closes a request whose body never finishes with 408', async () => {
    const service = await extraService(limits)
    const head = 'POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n'
    const { reply, afterMs } = await stalledRequest(service.url, `${head}{"email":`)
    expect(reply).to.match(/^HTTP\/1\.1 408/)
    expect(afterMs).to.be.lessThan(20_000)
  })

  it('leaves an event stream open well past the request timeout', async () => {
    const service = await extraService(limits)
    const user = await newUser('timeouts', service.url)
    const roomId = await openRoom(user, undefined, { baseUrl: service.url })
    const client = await openSse(eventsUrl(roomId, {}, service.url), { token: user.token })
    await client.next(named('connected'))
    await sleep(2_500)
    const heartbeats = client.messages.filter(named('heartbeat')).length
    await client.next((m) => m.event === 'heartbeat' && client.messages.filter(named('heartbeat')).length > heartbeats, 3_000)
    expect(client.isEnded()).to.equal(false)
    client.close()
  })
})
