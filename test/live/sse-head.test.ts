import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect } from 'chai'
import { SseStream } from '../../src/http/sse'

// The hub's heartbeat reaches a client as soon as it joins, which is before its stream has sent
// its head (the room's status is read in between). Such a write must not go out first: Node would
// send its default head instead (Koa's 404, no content type) and the real head would then fail.
describe('SseStream before its head is sent', () => {
  it('drops writes until open(), so the stream starts with 200 text/event-stream and the retry hint', async () => {
    const server = http.createServer((_req, res) => {
      res.statusCode = 404
      const stream = new SseStream(res, 1_000_000, () => undefined)
      expect(stream.write('event: heartbeat\ndata: {}\n\n')).to.equal(false)
      stream.open(1_500)
      stream.send({ id: 1, event: 'connected', data: { ok: true } })
      stream.end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const reply = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
      expect(reply.status).to.equal(200)
      expect(reply.headers.get('content-type')).to.match(/^text\/event-stream/)
      expect(await reply.text()).to.equal('retry: 1500\n\nid: 1\nevent: connected\ndata: {"ok":true}\n\n')
    } finally {
      server.close()
    }
  })
})
