import { expect } from 'chai'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { ctx } from '../support/context'
import { realPostgresUrl } from '../support/database'
import { api } from '../support/http'
import { skipUnless } from '../support/skip'
import { named, openSse, withId, type SseClient } from '../support/sse'
import { eventsUrl, injectProblem, openRoom, phase, sleep, waitFor } from './live.fixtures'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

interface Server {
  name: string
  child: ChildProcess
  url: string
  output: string[]
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

/** `node --import tsx src/server.ts` on the test database, as production starts it; resolves once /health answers. */
async function spawnServer(name: string): Promise<Server> {
  const port = await freePort()
  const env = { ...process.env, ENV: 'test', HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: ctx().config.DATABASE_URL!, LOG_LEVEL: 'fatal' }
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const output: string[] = []
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => output.push(chunk.toString()))
  const server = { name, child, url: `http://127.0.0.1:${port}`, output }
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output.join('')}`)
      return (await fetch(`${server.url}/health`).catch(() => undefined))?.status === 200
    },
    30_000,
    `${name} to answer /health`,
  )
  return server
}

function kill(server: Server | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return Promise.resolve()
  const exited = new Promise<void>((resolve) => server.child.once('exit', () => resolve()))
  server.child.kill('SIGKILL')
  return exited
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

describe('several server processes on one PostgreSQL', function () {
  this.timeout(60_000)
  let a: Server | undefined
  let b: Server | undefined
  let c: Server | undefined
  const clients: SseClient[] = []

  before(async function () {
    skipUnless(this, realPostgresUrl, 'needs a PostgreSQL shared by separate processes (set TEST_DATABASE_URL)')
    ;[a, b, c] = await Promise.all([spawnServer('A'), spawnServer('B'), spawnServer('C')])
  })
  after(async () => {
    for (const client of clients) client.close()
    await Promise.all([kill(a), kill(b), kill(c)])
  })

  /** A user registered and logged in on A: the token works on every process. */
  async function userOnA() {
    const tag = randomUUID().slice(0, 8)
    const body = { email: `multi-${tag}@example.com`, username: `multi_${tag}`, password: 'correct horse battery' }
    const registered = await api('POST', '/api/v1/auth/register', { baseUrl: a!.url, body })
    expect(registered.status, registered.text).to.equal(201)
    const login = await api('POST', '/api/v1/auth/login', { baseUrl: a!.url, body: { email: body.email, password: body.password } })
    expect(login.status, login.text).to.equal(200)
    return { id: registered.body.id as string, email: body.email, username: body.username, password: body.password, token: login.body.access_token as string }
  }

  it('shows a command on A to an SSE client of B within the latency target', async () => {
    const user = await userOnA()
    const roomId = await openRoom(user, undefined, { baseUrl: a!.url })
    const client = await openSse(eventsUrl(roomId, {}, b!.url), { token: user.token })
    clients.push(client)
    expect(client.status).to.equal(200)
    await client.next(named('connected'))
    // From the request (an upper bound: it includes the command) and from A's reply (the commit is before it).
    const fromRequest: number[] = []
    const fromReply: number[] = []
    const measure = async (run: () => Promise<number>) => {
      const sent = Date.now()
      const version = await run()
      const replied = Date.now()
      const seen = await client.next(withId(version), 5_000)
      fromRequest.push(seen.receivedAt - sent)
      fromReply.push(Math.max(0, seen.receivedAt - replied))
    }
    for (let i = 0; i < 20; i++) await measure(() => injectProblem(user, roomId, `cross-process ${i}`, a!.url))
    await measure(async () => (await api('POST', `/api/interview/${roomId}/timer/start`, { baseUrl: a!.url, token: user.token })).body.version)
    expect((await client.next(withId(22))).event).to.equal('phase_started')
    const summary = (xs: number[]) => {
      const sorted = [...xs].sort((x, y) => x - y)
      return `p50 ${percentile(sorted, 50)} ms, max ${sorted[sorted.length - 1]} ms`
    }
    console.log(`      command on A → SSE on B, n=${fromRequest.length}: from A's reply ${summary(fromReply)}; from the request ${summary(fromRequest)}`)
    expect(Math.max(...fromRequest)).to.be.below(2_000)
  })

  it('fires the phase transition exactly once on another process when A is killed mid-phase', async () => {
    const user = await userOnA()
    const roomId = await openRoom(user, [phase(1, 0.03), phase(2, 10)], { baseUrl: a!.url, warning_fraction: null })
    const client = await openSse(eventsUrl(roomId, {}, b!.url), { token: user.token })
    clients.push(client)
    await client.next(named('connected'))
    const started = await api('POST', `/api/interview/${roomId}/timer/start`, { baseUrl: a!.url, token: user.token })
    expect(started.status).to.equal(200)
    const deadline = Date.parse(started.body.timer_status.deadline)
    await sleep(600)
    const pidOfA = a!.child.pid
    await kill(a)
    expect(Date.now(), 'A died before the deadline').to.be.below(deadline)

    const changed = await client.next(named('phase_changed'), 15_000)
    expect(JSON.parse(changed.data!)).to.include({ previous_sequence: 1, new_sequence: 2, transition_count: 1 })
    // Give every surviving poller time to (wrongly) fire it again.
    await sleep(1_200)
    for (const server of [b!, c!]) {
      const history = await api('GET', `/api/interview/${roomId}/history`, { baseUrl: server.url, token: user.token })
      expect(history.status).to.equal(200)
      const transitions = (history.body.events as Array<{ type: string; data: any; metadata: any }>).filter((e) => e.type === 'phase_changed')
      expect(transitions, `one phase_changed seen from ${server.name}`).to.have.length(1)
      const [transition] = transitions
      expect(transition!.data.late_ms).to.be.a('number').within(0, 15_000)
      expect(transition!.data.at, 'the fact keeps the deadline as its time').to.equal(new Date(deadline).toISOString())
      expect(String(transition!.metadata.node)).to.not.include(`:${pidOfA}:`)
      if (server === b) console.log(`      A killed mid-phase: the transition fired once, by ${transition!.metadata.node}, ${transition!.data.late_ms} ms after the deadline`)
    }
    expect(client.messages.filter(named('phase_changed'))).to.have.length(1)
  })
})
