import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { realPostgresUrl } from '../support/database'
import { api, newUser, type TestUser } from '../support/http'
import { killServer, processDatabaseEnv, spawnServer, type ServerProcess } from '../support/process'
import { longPhases, newRoomId, phaseBody, roomPath } from '../support/rooms'
import { skipUnless } from '../support/skip'

const at = (server: ServerProcess, user: TestUser, key: string, body?: unknown) => ({ baseUrl: server.url, token: user.token, body, headers: { 'Idempotency-Key': key } })

/** The room's version as the server sees it (the number of its events). */
async function versionOf(server: ServerProcess, user: TestUser, roomId: string): Promise<number> {
  const reply = await api('GET', roomPath(roomId, 'timer/status'), { baseUrl: server.url, token: user.token })
  expect(reply.status, reply.text).to.equal(200)
  return reply.body.version
}

describe('Idempotency-Key across processes and restarts', function () {
  this.timeout(180_000)
  const servers: ServerProcess[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(killServer))
  })

  const start = async () => {
    const server = await spawnServer(processDatabaseEnv())
    servers.push(server)
    return server
  }

  it('answers a key stored before a kill -9 after the restart, and writes nothing', async () => {
    const first = await start()
    const user = await newUser('restart', first.url)
    const roomId = newRoomId()
    const open = await api('POST', '/api/start-interview', at(first, user, 'open', { room_id: roomId, phases: [phaseBody(1, 5), phaseBody(2, 5), phaseBody(3, 5)] }))
    expect(open.status, open.text).to.equal(201)
    await api('POST', roomPath(roomId, 'timer/start'), at(first, user, 'start'))
    const skipped = await api('POST', roomPath(roomId, 'phase/next'), at(first, user, 'skip'))
    expect(skipped.status, skipped.text).to.equal(200)
    first.child.kill('SIGKILL')
    await first.exited

    const second = await start()
    const retried = await api('POST', roomPath(roomId, 'phase/next'), at(second, user, 'skip'))
    expect(retried.status, retried.text).to.equal(200)
    expect(retried.text).to.equal(skipped.text)
    expect(retried.headers.get('idempotent-replayed')).to.equal('true')
    const reopened = await api('POST', '/api/start-interview', at(second, user, 'open', { room_id: roomId, phases: [phaseBody(1, 5), phaseBody(2, 5), phaseBody(3, 5)] }))
    expect(reopened.status).to.equal(201)
    expect(reopened.body.session_id).to.equal(open.body.session_id)
    expect(await versionOf(second, user, roomId), 'room_opened, phase_started, phase_changed: nothing more').to.equal(3)
  })

  it('acts once for one key sent to two processes at the same moment, and both answer the same', async function () {
    skipUnless(this, realPostgresUrl, 'needs a PostgreSQL shared by separate processes (set TEST_DATABASE_URL)')
    const [a, b] = await Promise.all([start(), start()])
    const user = await newUser('twoproc', a.url)
    const roomId = newRoomId()
    expect((await api('POST', '/api/start-interview', { baseUrl: a.url, token: user.token, body: { room_id: roomId, phases: longPhases() } })).status).to.equal(201)
    let version = 1
    for (let round = 0; round < 12; round++) {
      const key = randomUUID()
      // Odd rounds inject context (a fact any state takes), even rounds pause or resume (a state change).
      const [path, body] = round % 2 ? ['/api/inject-custom-context', { room_id: roomId, context_text: `round ${round}` }] : [roomPath(roomId, round % 4 ? 'timer/pause' : 'timer/start'), undefined]
      const replies = await Promise.all([a, b, a, b].map((server) => api('POST', path, at(server, user, key, body))))
      expect(replies.map((r) => r.status), `round ${round}: ${replies.map((r) => r.text).join('\n')}`).to.deep.equal([200, 200, 200, 200])
      expect(new Set(replies.map((r) => r.text)).size, `round ${round}: one answer`).to.equal(1)
      expect(replies.filter((r) => r.headers.get('idempotent-replayed') === null), `round ${round}: one acted`).to.have.length(1)
      version += 1
      expect(await versionOf(b, user, roomId), `round ${round}: one fact`).to.equal(version)
    }
  })
})
