import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { startService, type RunningService } from '../../src/service'
import { testConfig } from '../support/context'
import { createScratchDatabase, realPostgresUrl } from '../support/database'
import { api, newUser, type Reply, type TestUser } from '../support/http'
import { TcpProxy } from '../support/proxy'
import { sleep } from '../support/runtime'
import { skipUnless } from '../support/skip'

const QUERY_TIMEOUT_MS = 1_000

describe('a database that goes silent (DATABASE_QUERY_TIMEOUT_MS; a proxy that stops passing data on, closing nothing)', function () {
  this.timeout(60_000)
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined
  let proxy: TcpProxy | undefined
  let service: RunningService | undefined
  let user: TestUser

  before(async function () {
    skipUnless(this, realPostgresUrl, 'needs real PostgreSQL (TEST_DATABASE_URL): the embedded database lives inside the process and cannot go silent')
    scratch = await createScratchDatabase(realPostgresUrl!)
    proxy = await TcpProxy.start(realPostgresUrl!)
    service = await startService(testConfig({ DATABASE_URL: proxy.via(scratch.url), DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS), DATABASE_TIMEOUT_MS: '1000' }))
    user = await newUser('silent', service.url)
  })

  after(async () => {
    proxy?.thaw()
    await service?.close()
    await proxy?.close()
    await scratch?.drop()
  })

  const openRoom = async () => {
    const roomId = `silent-${randomUUID().slice(0, 12)}`
    const phases = [{ sequence: 1, question_id: 'q1', duration_minutes: 10, instructions: '' }]
    const opened = await api('POST', '/api/start-interview', { baseUrl: service!.url, token: user.token, body: { room_id: roomId, phases } })
    expect(opened.status, opened.text).to.equal(201)
    return { roomId, opened }
  }

  /** Sends `request` until it is answered other than 503, once the database speaks again. */
  const untilAnswered = async (request: () => Promise<Reply>) => {
    let reply = await request()
    for (let tries = 0; reply.status === 503 && tries < 50; tries++) {
      await sleep(100)
      reply = await request()
    }
    return reply
  }

  it('answers a request waiting on it 503 database_unavailable after the query timeout, not never, and recovers once it speaks again', async () => {
    const { roomId, opened } = await openRoom()
    const status = () => api('GET', `/api/interview/${roomId}/timer/status`, { baseUrl: service!.url, token: user.token })
    expect((await status()).status).to.equal(200)

    proxy!.freeze()
    const started = performance.now()
    const silent = await status()
    const waited = performance.now() - started
    expect(silent.status, silent.text).to.equal(503)
    expect(silent.body.error.code).to.equal('database_unavailable')
    // The watchdog's timer, plus a pool that may have to wait for a connection freed by it.
    expect(waited).to.be.at.least(QUERY_TIMEOUT_MS - 50)
    expect(waited).to.be.below(4 * QUERY_TIMEOUT_MS)

    proxy!.thaw()
    // The silent connections were closed: the pool opens new ones, and the same request succeeds.
    const again = await untilAnswered(status)
    expect(again.status, again.text).to.equal(200)
    expect(again.body.version).to.equal(opened.body.version)
  })

  it('a command answered 503 may have been written; its retry with the same Idempotency-Key acts once either way', async () => {
    const { roomId } = await openRoom()
    const start = () => api('POST', `/api/interview/${roomId}/timer/start`, { baseUrl: service!.url, token: user.token, headers: { 'Idempotency-Key': `start-${roomId}` } })
    proxy!.freeze()
    const silent = await start()
    expect(silent.status, silent.text).to.equal(503)
    expect(silent.body.error.code).to.equal('database_unavailable')
    // The statement was held on its way: it reaches the server now, and commits or not as it may.
    proxy!.thaw()
    const retried = await untilAnswered(start)
    expect(retried.status, retried.text).to.equal(200)
    const history = await api('GET', `/api/interview/${roomId}/history`, { baseUrl: service!.url, token: user.token })
    expect(history.status, history.text).to.equal(200)
    const started = history.body.events.filter((e: { type: string }) => e.type === 'phase_started')
    expect(started, 'one phase_started, whether the first try was written or not').to.have.length(1)
    expect(retried.body.version).to.equal(started[0].version)
  })
})
