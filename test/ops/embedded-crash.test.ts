import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { api, newUser } from '../support/http'
import { embeddedDataDir, killServer, spawnServer, type ServerProcess } from '../support/process'

describe('the embedded database after kill -9 of its process', function () {
  this.timeout(120_000)
  let server: ServerProcess | undefined
  afterEach(() => killServer(server))

  it('restarts on the same directory with everything acknowledged, writes cut off mid-burst included', async () => {
    const dataDir = embeddedDataDir()
    const env = { PGLITE_DATA_DIR: dataDir }
    server = await spawnServer(env)
    const baseUrl = server.url
    const user = await newUser('crash', baseUrl)
    const as = { baseUrl, token: user.token }
    const product = await api('POST', '/api/v1/products/', { ...as, body: { name: 'Survivor', price: '12.50', category: 'crash', stock: 7 } })
    expect(product.status).to.equal(201)
    const plan = await api('POST', '/api/v1/mock-interviews/', { ...as, body: { title: 'Crash plan', phases: [{ sequence: 1, question_id: 'q1', duration_minutes: 30, instructions: 'go' }] } })
    expect(plan.status).to.equal(201)
    const roomId = `crash-${randomUUID().slice(0, 12)}`
    expect((await api('POST', '/api/start-interview', { ...as, body: { room_id: roomId, mock_interview_id: plan.body.id } })).status).to.equal(201)
    expect((await api('POST', `/api/interview/${roomId}/timer/start`, as)).status).to.equal(200)
    expect((await api('POST', `/api/interview/${roomId}/timer/pause`, as)).status).to.equal(200)

    // A burst of appends, killed while requests are still in flight: every 2xx among them must survive.
    const acknowledged: Array<{ version: number; context_id: string }> = []
    let writing = true
    const writer = async () => {
      while (writing) {
        const reply = await api('POST', '/api/inject-custom-context', { ...as, body: { room_id: roomId, context_text: `note ${randomUUID()}` } }).catch(() => undefined)
        if (reply?.status === 200) acknowledged.push({ version: reply.body.version, context_id: reply.body.context_id })
      }
    }
    const writers = [writer(), writer(), writer()]
    while (acknowledged.length < 10) await new Promise((resolve) => setTimeout(resolve, 20))
    server.child.kill('SIGKILL')
    const exit = await server.exited
    writing = false
    await Promise.all(writers)
    expect(exit.signal).to.equal('SIGKILL')
    expect(readFileSync(join(dataDir, 'service.lock'), 'utf8'), 'the dead process left its lock behind').to.equal(String(server.pid))

    server = await spawnServer(env)
    const again = { baseUrl: server.url, token: user.token }
    expect((await api('GET', '/ready', { baseUrl: server.url })).status).to.equal(200)
    expect((await api('GET', '/api/v1/auth/me', again)).body.id, 'the token (and its user) still work').to.equal(user.id)
    const login = await api('POST', '/api/v1/auth/login', { baseUrl: server.url, body: { email: user.email, password: user.password } })
    expect(login.status).to.equal(200)
    expect((await api('GET', `/api/v1/products/${product.body.id}`, again)).body).to.deep.equal(product.body)
    expect((await api('GET', `/api/v1/mock-interviews/${plan.body.id}`, again)).body).to.deep.equal(plan.body)

    const history = await api('GET', `/api/interview/${roomId}/history`, again)
    expect(history.status).to.equal(200)
    const events: Array<{ version: number; type: string; data: any }> = history.body.events
    expect(events.slice(0, 3).map((e) => e.type)).to.deep.equal(['room_opened', 'phase_started', 'timer_paused'])
    const byVersion = new Map(events.map((e) => [e.version, e]))
    for (const ack of acknowledged) expect(byVersion.get(ack.version)?.data.context_id, `acknowledged version ${ack.version}`).to.equal(ack.context_id)
    expect(events.map((e) => e.version)).to.deep.equal(events.map((_, i) => i + 1))

    // The room carries on from where it was: still paused, and it takes commands.
    const status = await api('GET', `/api/interview/${roomId}/timer/status`, again)
    expect(status.body.timer_status.is_paused).to.equal(true)
    expect(status.body.version).to.equal(events.length)
    expect((await api('POST', `/api/interview/${roomId}/timer/resume`, again)).status).to.equal(200)
  })
})
