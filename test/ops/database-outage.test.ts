import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { startService, type RunningService } from '../../src/service'
import { testConfig } from '../support/context'
import { createScratchDatabase, realPostgresUrl } from '../support/database'
import { api, newUser, type TestUser } from '../support/http'
import { TcpProxy } from '../support/proxy'
import { sleep } from '../support/runtime'
import { skipUnless } from '../support/skip'
import { named, openSse } from '../support/sse'

/** Every answer during the outage must come within this (DATABASE_TIMEOUT_MS of the service behind the proxy is 1 s). */
const BOUND_MS = 6_000

interface Outcome {
  what: string
  status: number
  code?: string
  ms: number
  /**
   * When the request ran: 'during' started after the cut and was answered before the proxy began
   * to reopen; one answered after that counts as 'recovering', as does any started before /ready
   * answers 200 again.
   */
  phase: 'before' | 'during' | 'recovering' | 'after'
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

const listenerUp = async (service: RunningService) => {
  const text = (await api('GET', '/metrics', { baseUrl: service.url })).text
  return Number(/^event_listener_up (\d)/m.exec(text)?.[1])
}

describe('a PostgreSQL outage (a proxy the test controls between one service and the database)', function () {
  this.timeout(120_000)
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined
  let proxy: TcpProxy | undefined
  let direct: RunningService | undefined
  let behind: RunningService | undefined
  let user: TestUser

  before(async function () {
    skipUnless(this, realPostgresUrl, 'needs real PostgreSQL (TEST_DATABASE_URL): the embedded database lives inside the process and cannot be cut off')
    scratch = await createScratchDatabase(realPostgresUrl!)
    proxy = await TcpProxy.start(realPostgresUrl!)
    direct = await startService(testConfig({ DATABASE_URL: scratch.url }))
    // Only the service behind the proxy fires timers: a deadline that falls in the outage can only fire after it.
    await direct.timers.stop()
    // No subscription poll: after the outage only the LISTEN connection can wake it for other processes' events.
    behind = await startService(testConfig({ DATABASE_URL: proxy.via(scratch.url), DATABASE_TIMEOUT_MS: '1000', TIMER_POLL_MS: '200', SUBSCRIPTION_POLL_MS: '60000' }))
    user = await newUser('outage', direct.url)
  })

  afterEach(() => proxy?.restore())
  after(async () => {
    await behind?.close()
    await direct?.close()
    await proxy?.close()
    await scratch?.drop()
  })

  const openRoom = async (service: RunningService, phases = [{ sequence: 1, question_id: 'q1', duration_minutes: 10, instructions: '' }]) => {
    const roomId = `out-${randomUUID().slice(0, 12)}`
    const opened = await api('POST', '/api/start-interview', { baseUrl: service.url, token: user.token, body: { room_id: roomId, phases, warning_fraction: null } })
    expect(opened.status, opened.text).to.equal(201)
    return roomId
  }

  it('answers 503 database_unavailable fast under load, flips /ready and /health, recovers by itself and loses no acknowledged write', async () => {
    const service = behind!
    const roomId = await openRoom(service)
    const acked: Array<{ version: number }> = []
    const products: string[] = []
    const outcomes: Outcome[] = []
    let phase: Outcome['phase'] = 'before'
    let running = true
    const requests = [
      { what: 'inject context', send: () => api('POST', '/api/inject-custom-context', { baseUrl: service.url, token: user.token, body: { room_id: roomId, context_text: `note ${randomUUID()}` } }), ack: (body: any) => acked.push({ version: body.version }) },
      { what: 'timer status', send: () => api('GET', `/api/interview/${roomId}/timer/status`, { baseUrl: service.url, token: user.token }) },
      { what: 'create product', send: () => api('POST', '/api/v1/products/', { baseUrl: service.url, token: user.token, body: { name: 'outage', price: 1, category: 'ops', stock: 1 } }), ack: (body: any) => products.push(body.id) },
      { what: 'list products', send: () => api('GET', '/api/v1/products/?limit=5', { baseUrl: service.url, token: user.token }) },
    ]
    const worker = async (offset: number) => {
      for (let i = offset; running; i++) {
        const request = requests[i % requests.length]!
        const started = phase
        const t0 = performance.now()
        const reply = await request.send()
        // Its database call may come after the proxy reopened: then it may well succeed.
        const ran = started === 'during' && phase !== 'during' ? 'recovering' : started
        outcomes.push({ what: request.what, status: reply.status, code: reply.body?.error?.code, ms: performance.now() - t0, phase: ran })
        if (reply.status < 300) request.ack?.(reply.body)
        await sleep(20)
      }
    }
    const workers = [0, 1, 2, 3].map(worker)

    await sleep(1_500)
    await proxy!.cut()
    phase = 'during'
    const ready = await api('GET', '/ready', { baseUrl: service.url })
    expect(ready.status).to.equal(503)
    expect(ready.body.error.details.database).to.equal(false)
    const health = await api('GET', '/health', { baseUrl: service.url })
    expect(health.status).to.equal(503)
    expect(health.body.error.code).to.equal('database_unavailable')
    await sleep(3_000)

    phase = 'recovering'
    await proxy!.restore()
    await until('/ready to answer 200 again', async () => ((await api('GET', '/ready', { baseUrl: service.url })).status === 200 ? true : undefined))
    phase = 'after'
    await sleep(1_500)
    running = false
    await Promise.all(workers)

    const summary = (list: Outcome[]) => list.map((o) => `${o.phase} ${o.what} ${o.status} ${o.code ?? ''} ${Math.round(o.ms)}ms`).join('\n')
    const wrong = outcomes.filter((o) => o.status >= 500 && !(o.status === 503 && o.code === 'database_unavailable'))
    expect(wrong, summary(wrong)).to.deep.equal([])
    const slow = outcomes.filter((o) => o.ms > BOUND_MS)
    expect(slow, summary(slow)).to.deep.equal([])
    const during = outcomes.filter((o) => o.phase === 'during')
    expect(during.length).to.be.greaterThan(10)
    expect(during.filter((o) => o.status !== 503), summary(during)).to.deep.equal([])
    const after = outcomes.filter((o) => o.phase === 'after')
    expect(after.length).to.be.greaterThan(4)
    expect(after.filter((o) => o.status >= 300), 'after recovery every request succeeds:\n' + summary(after)).to.deep.equal([])
    expect(outcomes.filter((o) => o.phase === 'before' && o.status < 300).length).to.be.greaterThan(4)
    expect((await api('GET', '/health', { baseUrl: service.url })).status).to.equal(200)

    // Nothing acknowledged is lost: every 2xx append and insert is in the store.
    const db = direct!.database.db
    const stored = await db.selectFrom('events').select(['stream_position', 'type']).where('stream_id', '=', `room-${roomId}`).execute()
    const positions = new Map(stored.map((e) => [e.stream_position, e.type]))
    for (const { version } of acked) expect(positions.get(version), `acknowledged version ${version}`).to.equal('context_injected')
    const found = products.length ? await db.selectFrom('products').select('id').where('id', 'in', products).execute() : []
    expect(found.length).to.equal(products.length)
  })

  it('reconnects LISTEN, catches the subscription up for SSE clients, and fires a deadline that fell in the outage once, after it', async () => {
    const service = behind!
    const roomId = await openRoom(service, [
      { sequence: 1, question_id: 'q1', duration_minutes: 0.05, instructions: '' },
      { sequence: 2, question_id: 'q2', duration_minutes: 10, instructions: '' },
    ])
    const sse = await openSse(`${service.url}/api/interview/${roomId}/events`, { token: user.token })
    await sse.next(named('connected'))
    const started = await api('POST', `/api/interview/${roomId}/timer/start`, { baseUrl: service.url, token: user.token })
    expect(started.status).to.equal(200)
    const deadline: string = started.body.timer_status.deadline
    expect(await until('the LISTEN connection', async () => ((await listenerUp(service)) === 1 ? true : undefined))).to.equal(true)

    await proxy!.cut()
    await until('event_listener_up to drop to 0', async () => ((await listenerUp(service)) === 0 ? true : undefined), 5_000)
    // Another process keeps writing meanwhile.
    const during = await api('POST', '/api/inject-custom-context', { baseUrl: direct!.url, token: user.token, body: { room_id: roomId, context_text: 'written during the outage' } })
    expect(during.status).to.equal(200)
    await sleep(Math.max(0, Date.parse(deadline) - Date.now()) + 1_500)
    const db = direct!.database.db
    const changes = () => db.selectFrom('events').selectAll().where('stream_id', '=', `room-${roomId}`).where('type', '=', 'phase_changed').execute()
    expect(await changes(), 'the deadline cannot fire while its only timer process is cut off').to.have.length(0)

    const restoredAt = Date.now()
    await proxy!.restore()
    await until('event_listener_up back to 1', async () => ((await listenerUp(service)) === 1 ? true : undefined))
    const caughtUp = await sse.next((m) => m.event === 'context_injected' && m.id === String(during.body.version), 10_000)
    expect(JSON.parse(caughtUp.data!).context_text).to.equal('written during the outage')
    const changed = JSON.parse((await sse.next(named('phase_changed'), 10_000)).data!)
    expect(changed).to.include({ previous_sequence: 1, new_sequence: 2, reason: 'timer', at: deadline })
    expect(changed.late_ms).to.be.greaterThan(0)

    // Live again across processes: an append by the other service reaches this one's SSE client through LISTEN.
    const live = await api('POST', '/api/inject-custom-context', { baseUrl: direct!.url, token: user.token, body: { room_id: roomId, context_text: 'after the outage' } })
    expect(live.status).to.equal(200)
    await sse.next((m) => m.event === 'context_injected' && m.id === String(live.body.version), 5_000)
    sse.close()

    await sleep(1_000)
    const fired = await changes()
    expect(fired, 'fired once').to.have.length(1)
    expect(fired[0]!.recorded_at.getTime()).to.be.at.least(restoredAt - 100)
    const listeners = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'mock-interview-api listener'`.execute(db)
    expect(listeners.rows[0]!.n, 'one LISTEN connection per service, none leaked by the reconnects').to.equal(2)
  })
})
