import { expect } from 'chai'
import { newUser, type TestUser } from '../support/http'
import { dataOf, idsOf, named, openSse, withId, type SseClient } from '../support/sse'
import { closeExtraServices, eventsUrl, extraService, openRoom, waitFor } from './live.fixtures'

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i)

describe('SSE streams of a running service', () => {
  let user: TestUser
  const open: SseClient[] = []
  const stream = async (url: string, lastEventId?: number) => {
    const client = await openSse(url, { token: user.token, lastEventId })
    open.push(client)
    return client
  }

  before(async () => {
    user = await newUser('sse-svc')
  })
  afterEach(async () => {
    for (const client of open.splice(0)) client.close()
    await closeExtraServices()
  })

  it('sends `heartbeat` {timestamp, room_id} at the configured interval, without an id', async () => {
    const service = await extraService({ SSE_HEARTBEAT_MS: '150' })
    const roomId = await openRoom(user, undefined, { baseUrl: service.url })
    const client = await stream(eventsUrl(roomId, {}, service.url))
    await client.next(named('connected'))
    const started = Date.now()
    await waitFor(() => client.messages.filter(named('heartbeat')).length >= 3, 2_000, 'three heartbeats')
    expect(Date.now() - started).to.be.within(250, 1_500)
    for (const beat of client.messages.filter(named('heartbeat'))) {
      expect(beat.id, 'a heartbeat must not move Last-Event-ID').to.equal(undefined)
      const data = dataOf(beat)
      expect(data).to.have.keys('timestamp', 'room_id')
      expect(data.room_id).to.equal(roomId)
      expect(Date.parse(data.timestamp)).to.be.closeTo(Date.now(), 5_000)
    }
  })

  it('closes the stream of a client that stops reading, while a reading client on the same room gets every event promptly', async function () {
    this.timeout(30_000)
    const service = await extraService({ SSE_MAX_BUFFER_BYTES: String(512 * 1024) })
    const roomId = await openRoom(user, undefined, { baseUrl: service.url })
    const url = eventsUrl(roomId, {}, service.url)
    const slow = await stream(url)
    const fast = await stream(url)
    await Promise.all([slow.next(named('connected')), fast.next(named('connected'))])
    slow.pause()

    // Nothing queues in the process until the kernel's socket buffers (a few MB) are full; then the cap cuts in.
    let head = 1
    let lag = 0
    const appendBatch = async () => {
      // The bot's transcript: a fact that does not grow the room's state, so many large ones stay cheap.
      for (let i = 0; i < 4; i++) head = (await service.runtime.execute(roomId, { type: 'recordCandidateMessage', pc_id: 'pc-1', text: 'x'.repeat(64_000) })).version
      const committed = Date.now()
      await fast.next(withId(head), 5_000)
      lag = Math.max(lag, Date.now() - committed)
    }
    while (service.hub.clientCount === 2 && head < 2_000) await appendBatch()
    expect(service.hub.clientCount, 'the slow client was dropped from the hub').to.equal(1)
    for (let i = 0; i < 3; i++) await appendBatch()
    expect(idsOf(fast.messages), 'the reading client got everything, in order').to.deep.equal(range(2, head))
    expect(lag, 'and each batch promptly').to.be.below(2_000)

    slow.resume()
    const ended = await slow.ended
    expect(ended.complete, 'the slow stream was cut, not finished').to.equal(false)
    const got = idsOf(slow.messages)
    expect(got.length).to.be.below(head - 1)
    expect(got).to.deep.equal(range(2, got.length + 1))
    // It resumes where it was cut, and misses nothing.
    const resumed = await stream(url, got[got.length - 1])
    await resumed.next(withId(head), 5_000)
    expect([...got, ...idsOf(resumed.messages)]).to.deep.equal(range(2, head))
    console.log(`      slow client cut after ${got.length} of ${head - 1} events (${Math.round(((head - 1) * 64) / 1024)} MB appended); reader's worst batch lag ${lag} ms`)
  })

  it('replays a backlog larger than the buffer cap to a client that reads it', async () => {
    const service = await extraService({ SSE_MAX_BUFFER_BYTES: String(64 * 1024) })
    const roomId = await openRoom(user, undefined, { baseUrl: service.url })
    let head = 1
    for (let i = 0; i < 10; i++) head = (await service.runtime.execute(roomId, { type: 'recordCandidateMessage', pc_id: 'pc-1', text: 'y'.repeat(32_000) })).version
    const client = await stream(eventsUrl(roomId, {}, service.url), 0)
    await client.next(withId(head), 5_000)
    expect(idsOf(client.messages)).to.deep.equal(range(1, head))
    expect(client.isEnded()).to.equal(false)
  })

  it('ends open streams on close() with a final retry hint, cleanly, and promptly', async () => {
    const service = await extraService({ SSE_RETRY_MS: '1234' })
    const roomId = await openRoom(user, undefined, { baseUrl: service.url })
    const client = await stream(eventsUrl(roomId, {}, service.url))
    await client.next(named('connected'))
    const started = Date.now()
    await service.close()
    expect(Date.now() - started, 'an open stream does not hold the shutdown').to.be.below(2_000)
    const ended = await client.ended
    expect(ended.complete, 'the body ended cleanly, not cut mid-write').to.equal(true)
    expect(client.text()).to.match(/\n\nretry: 1234\n\n$/)
    const last = client.messages[client.messages.length - 1]!
    expect(last).to.include({ retry: 1234 })
    expect(last.event).to.equal(undefined)
  })
})
