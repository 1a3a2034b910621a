import { expect } from 'chai'
import http from 'node:http'
import { randomUUID } from 'node:crypto'
import { api, newUser } from '../support/http'
import { checkContract } from '../support/contract'
import { killServer, processDatabaseEnv, spawnServer, type ServerProcess } from '../support/process'
import { named, openSse } from '../support/sse'
import { sleep } from '../support/runtime'

interface SlowReply {
  status: number
  body: any
  complete: boolean
}

/** A POST whose headers and first half of the body go out now, and the rest only when asked: a request held in flight. */
function slowPost(url: string, path: string, token: string, body: unknown) {
  const payload = Buffer.from(JSON.stringify(body))
  const half = Math.floor(payload.length / 2)
  // A keep-alive client, as browsers and fetch are: the server must still let go of its connection.
  const agent = new http.Agent({ keepAlive: true })
  const req = http.request(`${url}${path}`, {
    method: 'POST',
    agent,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(payload.length) },
  })
  const reply = new Promise<SlowReply>((resolve, reject) => {
    req.once('error', reject)
    req.once('response', (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.once('error', reject)
      res.once('end', () => {
        try {
          checkContract({ method: 'POST', url: path, status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? null, text })
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), complete: res.complete })
        } catch (error) {
          reject(error)
        }
      })
    })
  })
  req.flushHeaders()
  req.write(payload.subarray(0, half))
  return { reply, agent, finish: () => req.end(payload.subarray(half)) }
}

const phases = [{ sequence: 1, question_id: 'q1', duration_minutes: 5, instructions: 'talk' }]

async function openRoom(server: ServerProcess) {
  const user = await newUser('shutdown', server.url)
  const roomId = `sd-${randomUUID().slice(0, 12)}`
  const opened = await api('POST', '/api/start-interview', { baseUrl: server.url, token: user.token, body: { room_id: roomId, phases } })
  expect(opened.status, opened.text).to.equal(201)
  return { user, roomId }
}

describe('graceful shutdown of the server process', function () {
  this.timeout(90_000)
  let server: ServerProcess | undefined
  afterEach(() => killServer(server))

  it('on SIGTERM finishes the request in flight, ends SSE streams after a retry hint, and exits 0 without waiting for the deadline', async () => {
    const deadlineMs = 8_000
    server = await spawnServer({ ...processDatabaseEnv(), SHUTDOWN_TIMEOUT_MS: String(deadlineMs), SSE_RETRY_MS: '1500' })
    const { user, roomId } = await openRoom(server)
    const sse = await openSse(`${server.url}/api/interview/${roomId}/events`, { token: user.token })
    expect(sse.status).to.equal(200)
    await sse.next(named('connected'))
    const slow = slowPost(server.url, '/api/inject-custom-context', user.token, { room_id: roomId, context_text: 'sent before the signal, finished after it' })
    await sleep(300)

    const signalledAt = Date.now()
    server.child.kill('SIGTERM')
    const streamEnd = await sse.ended
    expect(streamEnd.complete, 'the event stream ends cleanly, not with a reset').to.equal(true)
    const last = sse.messages.at(-1)
    expect(last?.retry, sse.text()).to.equal(1500)
    expect(last?.event).to.equal(undefined)
    expect(sse.text().endsWith('retry: 1500\n\n')).to.equal(true)
    // Draining: no new connections are taken, but the one in flight is still served.
    const refused = await fetch(`${server.url}/health`).then(() => false, () => true)
    expect(refused, 'a new connection after SIGTERM is refused').to.equal(true)

    await sleep(500)
    const finishedAt = Date.now()
    slow.finish()
    const reply = await slow.reply
    expect(reply.status, JSON.stringify(reply.body)).to.equal(200)
    expect(reply.complete).to.equal(true)
    expect(reply.body).to.include({ success: true, room_id: roomId })
    expect(reply.body.context_id).to.be.a('string')
    const exit = await server.exited
    slow.agent.destroy()
    expect(exit.code, server.output.slice(-5).join('\n')).to.equal(0)
    expect(exit.at - signalledAt).to.be.below(deadlineMs + 2_000)
    expect(exit.at - finishedAt, 'exits once the work is done, not at the deadline').to.be.below(deadlineMs - 2_000)

    // What was acknowledged during the drain is stored.
    server = await spawnServer(processDatabaseEnv())
    const history = await api('GET', `/api/interview/${roomId}/history`, { baseUrl: server.url, token: user.token })
    expect(history.status).to.equal(200)
    const injected = history.body.events.find((e: any) => e.type === 'context_injected')
    expect(injected?.version).to.equal(reply.body.version)
    expect(injected?.data.context_id).to.equal(reply.body.context_id)
  })

  it('on SIGINT cuts a request that never finishes at SHUTDOWN_TIMEOUT_MS and still exits 0', async () => {
    const deadlineMs = 1_500
    server = await spawnServer({ ...processDatabaseEnv(), SHUTDOWN_TIMEOUT_MS: String(deadlineMs) })
    const { user, roomId } = await openRoom(server)
    const stuck = slowPost(server.url, '/api/inject-custom-context', user.token, { room_id: roomId, context_text: 'never finished' })
    const outcome = stuck.reply.then((r) => `answered ${r.status}`, (e: Error) => `cut: ${e.message}`)
    await sleep(300)

    const signalledAt = Date.now()
    server.child.kill('SIGINT')
    const exit = await server.exited
    stuck.agent.destroy()
    expect(exit.code, server.output.slice(-5).join('\n')).to.equal(0)
    expect(exit.at - signalledAt).to.be.within(deadlineMs - 100, deadlineMs + 4_000)
    expect(await outcome).to.match(/^cut: /)
  })

  const faults: Array<[string, NodeJS.Signals, string]> = [
    ['a rejection nothing handles', 'SIGUSR2', 'unhandled rejection'],
    ['an exception nothing catches', 'SIGHUP', 'uncaught exception'],
  ]
  for (const [fault, signal, kind] of faults) {
    it(`on ${fault} logs it as fatal, shuts down as on SIGTERM and exits 1`, async () => {
      server = await spawnServer({ ...processDatabaseEnv(), SSE_RETRY_MS: '2500' }, { imports: ['test/fixtures/faults/on-signal.ts'] })
      const { user, roomId } = await openRoom(server)
      const sse = await openSse(`${server.url}/api/interview/${roomId}/events`, { token: user.token })
      await sse.next(named('connected'))

      server.child.kill(signal)
      const exit = await server.exited
      expect(exit.code, server.output.slice(-5).join('\n')).to.equal(1)
      const fatal = server.output.flatMap((line) => (line.startsWith('{') ? [JSON.parse(line)] : [])).find((entry) => entry.level === 60)
      expect(fatal, server.output.slice(-5).join('\n')).to.include({ msg: `${kind}; shutting down` })
      expect(fatal.err.message).to.equal(`injected fault: ${fault}`)
      expect(fatal.err.stack).to.be.a('string')
      // Shut down, not cut off: the stream ends cleanly with the hint to come back.
      expect((await sse.ended).complete, 'the event stream ends cleanly, not with a reset').to.equal(true)
      expect(sse.messages.at(-1)?.retry, sse.text()).to.equal(2500)
    })
  }
})
