import { expect } from 'chai'
import { newUser, type TestUser } from '../support/http'
import { idsOf, named, openSse, withId, type SseClient } from '../support/sse'
import { eventsUrl, injectProblem, openRoom, sleep } from './live.fixtures'

/**
 * One EventSource-like session: connects with the last id it saw, reads for a moment (or a few
 * events), drops the connection mid-stream, and does it again; once the writer is done it reads to the head.
 */
async function reconnectingReader(user: TestUser, roomId: string, isDone: () => boolean, head: () => number) {
  const received: number[] = []
  let connections = 0
  let lastId = 0
  for (let round = 0; ; round++) {
    const finishing = isDone()
    const client: SseClient = await openSse(eventsUrl(roomId), { token: user.token, lastEventId: lastId })
    connections++
    expect(client.status).to.equal(200)
    await client.next(named('connected'))
    if (finishing && lastId < head()) await client.next(withId(head()), 5_000)
    else await Promise.race([sleep(5 + (round % 4) * 10), client.next(withId(lastId + 1 + (round % 3)), 200).catch(() => undefined)])
    client.close()
    // Only whole messages count, as for a browser: a block cut in half is not an event.
    const ids = idsOf(client.messages)
    received.push(...ids)
    if (ids.length) lastId = ids[ids.length - 1]!
    if (finishing) return { received, connections }
  }
}

describe('SSE resume under concurrent appends', () => {
  it('gives every position from 1 to the head exactly once across many reconnects while a writer appends', async function () {
    this.timeout(30_000)
    const user = await newUser('resume')
    const roomId = await openRoom(user)
    let head = 1
    let writing = true
    const writer = (async () => {
      for (let i = 0; i < 120; i++) head = await injectProblem(user, roomId, `problem ${i}`)
      writing = false
    })()
    const readers = [0, 1].map(() => reconnectingReader(user, roomId, () => !writing, () => head))
    await writer
    const results = await Promise.all(readers)
    const all = Array.from({ length: head }, (_, i) => i + 1)
    expect(head).to.equal(121)
    for (const { received, connections } of results) {
      expect(connections, 'the reader reconnected many times while the writer ran').to.be.greaterThan(10)
      expect(received, 'no gap, no duplicate, in order').to.deep.equal(all)
    }
  })

  it('never repeats or skips a position when a client resumes from an id it received live', async () => {
    const user = await newUser('resume')
    const roomId = await openRoom(user)
    const first = await openSse(eventsUrl(roomId), { token: user.token })
    await first.next(named('connected'))
    const appended = (async () => {
      for (let i = 0; i < 20; i++) await injectProblem(user, roomId, `burst ${i}`)
    })()
    await first.next(withId(8))
    first.close()
    const seen = idsOf(first.messages)
    const resumed = await openSse(eventsUrl(roomId), { token: user.token, lastEventId: seen[seen.length - 1]! })
    await appended
    await resumed.next(withId(21))
    resumed.close()
    expect([...seen, ...idsOf(resumed.messages)]).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 2))
  })
})
