import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { startService, type RunningService } from '../../src/service'
import { testConfig } from '../support/context'
import { createScratchDatabase, realPostgresUrl } from '../support/database'
import { api, newUser, type TestUser } from '../support/http'
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
    const server = new URL(realPostgresUrl!)
    proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port || 5432) })
    service = await startService(testConfig({ DATABASE_URL: proxy.via(scratch.url), DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS), DATABASE_TIMEOUT_MS: '1000' }))
    user = await newUser('silent', service.url)
  })

  after(async () => {
    proxy?.thaw()
    await service?.close()
    await proxy?.close()
    await scratch?.drop()
  })

  it('answers a request waiting on it 503 database_unavailable after the query timeout, not never, and recovers once it speaks again', async () => {
    const roomId = `silent-${randomUUID().slice(0, 12)}`
    const phases = [{ sequence: 1, question_id: 'q1', duration_minutes: 10, instructions: '' }]
    const opened = await api('POST', '/api/start-interview', { baseUrl: service!.url, token: user.token, body: { room_id: roomId, phases } })
    expect(opened.status, opened.text).to.equal(201)
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
    let again = await status()
    for (let tries = 0; again.status !== 200 && tries < 50; tries++) {
      await sleep(100)
      again = await status()
    }
    expect(again.status, again.text).to.equal(200)
    expect(again.body.version).to.equal(opened.body.version)
  })
})
