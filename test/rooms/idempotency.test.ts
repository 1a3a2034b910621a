import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { sql } from 'kysely'
import { ctx } from '../support/context'
import { newRuntime, newScheduler } from '../support/runtime'
import { api, newUser, type Reply, type TestUser } from '../support/http'
import { expectFieldError, expectRefused, longPhases, newRoomId, openRoom, phaseBody, roomPath, runningRoom, storedEvents, timerStatus, waitFor } from '../support/rooms'

const keyed = (user: TestUser, key: string, body?: unknown) => ({ token: user.token, body, headers: { 'Idempotency-Key': key } })

/** Rows stored under a user's keys. */
async function storedKeys(user: TestUser): Promise<number> {
  const row = await ctx().database.db.selectFrom('idempotency_keys').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', user.id).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** What the database holds for a room: its events, the status row's version, its timer rows. */
async function roomRows(roomId: string) {
  const { db } = ctx().database
  const status = await db.selectFrom('room_status').select('version').where('room_id', '=', roomId).executeTakeFirst()
  const timers = await db.selectFrom('room_timers').select(['kind', 'due_at']).where('room_id', '=', roomId).orderBy('kind').execute()
  return { events: await storedEvents(roomId), version: status?.version, timers }
}

function expectReplay(first: Reply, again: Reply) {
  expect(again.status, again.text).to.equal(first.status)
  expect(again.text, 'the stored answer, byte for byte').to.equal(first.text)
  expect(again.headers.get('idempotent-replayed')).to.equal('true')
  expect(first.headers.get('idempotent-replayed')).to.equal(null)
  expect(again.headers.get('etag')).to.equal(first.headers.get('etag'))
}

describe('Idempotency-Key on room commands', () => {
  let user: TestUser
  beforeEach(async () => {
    user = await newUser('retry')
  })

  it('answers a retried phase/next with the first answer and skips one phase, not two', async () => {
    const { roomId } = await runningRoom(user, [phaseBody(1, 5), phaseBody(2, 5), phaseBody(3, 5)])
    const key = randomUUID()
    const first = await api('POST', roomPath(roomId, 'phase/next'), keyed(user, key))
    expect(first.status, first.text).to.equal(200)
    expect(first.body.timer_status.current_sequence).to.equal(2)
    const before = await roomRows(roomId)
    const again = await api('POST', roomPath(roomId, 'phase/next'), keyed(user, key))
    expectReplay(first, again)
    expect(await roomRows(roomId), 'a replay writes nothing').to.deep.equal(before)
    expect((await timerStatus(user, roomId)).body.timer_status.current_sequence).to.equal(2)
    expect(await storedKeys(user)).to.equal(1)
  })

  it('replays every command route: timer start/pause/resume/reset, end, inject-problem, inject-custom-context, start-interview', async () => {
    const roomId = newRoomId()
    const calls: Array<[string, unknown?]> = [
      ['/api/start-interview', { room_id: roomId, phases: longPhases() }],
      [roomPath(roomId, 'timer/start')],
      [roomPath(roomId, 'timer/pause')],
      [roomPath(roomId, 'timer/resume')],
      [roomPath(roomId, 'timer/reset'), { scope: 'interview' }],
      ['/api/inject-problem', { room_id: roomId, problem_text: 'Two sum' }],
      ['/api/inject-custom-context', { room_id: roomId, context_text: 'Prefers Go' }],
      [roomPath(roomId, 'end')],
    ]
    for (const [path, body] of calls) {
      const key = randomUUID()
      const first = await api('POST', path, keyed(user, key, body))
      expect(first.status, `${path}: ${first.text}`).to.be.oneOf([200, 201])
      expect(first.headers.get('etag'), path).to.equal(`"${first.body.version}"`)
      const events = await storedEvents(roomId)
      const again = await api('POST', path, keyed(user, key, body))
      expectReplay(first, again)
      expect(await storedEvents(roomId), `${path} appended again`).to.equal(events)
    }
    expect(await storedKeys(user)).to.equal(calls.length)
  })

  it('opens a room once for a retried start-interview: 201 twice, one session id, one room_opened', async () => {
    const body = { room_id: newRoomId(), phases: longPhases() }
    const first = await api('POST', '/api/start-interview', keyed(user, 'open-1', body))
    const again = await api('POST', '/api/start-interview', keyed(user, 'open-1', body))
    expect(first.status, first.text).to.equal(201)
    expectReplay(first, again)
    expect(again.body.session_id).to.equal(first.body.session_id)
    expect(await storedEvents(body.room_id)).to.equal(1)
    // Without the key the room id is taken, as before.
    expect((await api('POST', '/api/start-interview', { token: user.token, body })).status).to.equal(409)
  })

  it('gives an injected problem one id however often it is retried', async () => {
    const { roomId } = await runningRoom(user)
    const body = { room_id: roomId, problem_text: 'Design a rate limiter' }
    const replies = []
    for (let i = 0; i < 3; i++) replies.push(await api('POST', '/api/inject-problem', keyed(user, 'problem-7', body)))
    expect(new Set(replies.map((r) => r.body.problem_id)).size).to.equal(1)
    expect(await storedEvents(roomId)).to.equal(3)
    expect((await timerStatus(user, roomId)).body.interview_context.injected).to.have.length(1)
  })

  it('acts once for the same key sent many times at once', async () => {
    const { roomId } = await runningRoom(user)
    const body = { room_id: roomId, context_text: 'Sent by an impatient client' }
    const replies = await Promise.all(Array.from({ length: 8 }, () => api('POST', '/api/inject-custom-context', keyed(user, 'burst', body))))
    expect(replies.map((r) => r.status)).to.deep.equal(Array(8).fill(200))
    expect(new Set(replies.map((r) => r.text)).size, 'one answer for all').to.equal(1)
    expect(replies.filter((r) => r.headers.get('idempotent-replayed') === null)).to.have.length(1)
    expect(await storedEvents(roomId)).to.equal(3)
  })

  it('answers 422 naming the header for the same key with another body, and writes nothing', async () => {
    const { roomId } = await runningRoom(user)
    const first = await api('POST', roomPath(roomId, 'timer/reset'), keyed(user, 'reset-1', { scope: 'phase' }))
    expect(first.status, first.text).to.equal(200)
    const before = await roomRows(roomId)
    const other = await api('POST', roomPath(roomId, 'timer/reset'), keyed(user, 'reset-1', { scope: 'interview' }))
    expect(other.status, other.text).to.equal(422)
    expect(other.body.error.code).to.equal('idempotency_key_reused')
    expect(other.body.error.message).to.include('Idempotency-Key')
    expect(other.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['headers.idempotency-key'])
    expect(await roomRows(roomId)).to.deep.equal(before)
    // The same key on another route, or for another room, is another request too.
    expect((await api('POST', roomPath(roomId, 'timer/pause'), keyed(user, 'reset-1'))).status).to.equal(422)
    const { roomId: otherRoom } = await runningRoom(user)
    expect((await api('POST', roomPath(otherRoom, 'timer/reset'), keyed(user, 'reset-1', { scope: 'phase' }))).status).to.equal(422)
    expect(await storedEvents(otherRoom)).to.equal(2)
  })

  it('acts for one room only when one key is sent for two rooms at once; the other gets 422', async () => {
    const rooms = [await runningRoom(user), await runningRoom(user)]
    const replies = await Promise.all(rooms.map(({ roomId }) => api('POST', roomPath(roomId, 'timer/pause'), keyed(user, 'one-key-two-rooms'))))
    expect(replies.map((r) => r.status).sort()).to.deep.equal([200, 422])
    const winner = replies.find((r) => r.status === 200)!.body.room_id
    for (const { roomId } of rooms) expect(await storedEvents(roomId)).to.equal(roomId === winner ? 3 : 2)
  })

  it('acts once when two runtimes on one database race with the same key (the key row is the fence)', async () => {
    const { roomId } = await runningRoom(user)
    const runtimes = [newRuntime('one'), newRuntime('two')]
    const guards = { idempotency: { userId: user.id, key: 'raced', fingerprint: 'f' } }
    const answer = (outcome: { version: number }) => ({ status: 200, body: { version: outcome.version } })
    for (const runtime of runtimes) await runtime.load(roomId)
    const answers = await Promise.all(runtimes.map((runtime) => runtime.handle(roomId, { type: 'injectContext', context_id: randomUUID(), context_text: 'x', context_type: null }, {}, guards, answer)))
    expect(answers.map((a) => a.body)).to.deep.equal([{ version: 3 }, { version: 3 }])
    expect(answers.filter((a) => a.replayed)).to.have.length(1)
    expect(runtimes[0]!.stats.conflicts + runtimes[1]!.stats.conflicts, 'the loser wrote, was rolled back, and found the answer').to.equal(1)
    expect(await storedEvents(roomId)).to.equal(3)
  })

  it('treats key order, whitespace and a quoted key as the same request', async () => {
    const { roomId } = await runningRoom(user)
    const first = await api('POST', '/api/inject-problem', { token: user.token, headers: { 'Idempotency-Key': 'k-1' }, raw: `{"room_id":"${roomId}","problem_text":"LRU cache"}` })
    const again = await api('POST', '/api/inject-problem', { token: user.token, headers: { 'Idempotency-Key': '"k-1"' }, raw: `{ "problem_text": "LRU cache",\n  "room_id": "${roomId}" }` })
    expect(first.status, first.text).to.equal(200)
    expectReplay(first, again)
  })

  it('keeps keys per user: another user may use the same key for their own room', async () => {
    const other = await newUser('retry-other')
    const mine = await runningRoom(user)
    const theirs = await runningRoom(other)
    const a = await api('POST', roomPath(mine.roomId, 'timer/pause'), keyed(user, 'shared-key'))
    const b = await api('POST', roomPath(theirs.roomId, 'timer/pause'), keyed(other, 'shared-key'))
    expect([a.status, b.status]).to.deep.equal([200, 200])
    expect(b.headers.get('idempotent-replayed')).to.equal(null)
    expect(b.body.room_id).to.equal(theirs.roomId)
  })

  it('stores nothing for a refused command: the retry is decided again', async () => {
    const { roomId } = await openRoom(user)
    const refused = await api('POST', roomPath(roomId, 'timer/pause'), keyed(user, 'early-pause'))
    expectRefused(refused, 'ready')
    expect(await storedKeys(user)).to.equal(0)
    expect((await api('POST', roomPath(roomId, 'timer/start'), { token: user.token })).status).to.equal(200)
    const retried = await api('POST', roomPath(roomId, 'timer/pause'), keyed(user, 'early-pause'))
    expect(retried.status, retried.text).to.equal(200)
    expect(retried.body.state).to.equal('paused')
  })

  it('forgets a key after 24 h: the same key then acts again', async () => {
    const { roomId } = await runningRoom(user)
    const body = { room_id: roomId, context_text: 'daily note' }
    const first = await api('POST', '/api/inject-custom-context', keyed(user, 'daily', body))
    await sql`update idempotency_keys set created_at = now() - interval '24 hours 1 second' where user_id = ${user.id}`.execute(ctx().database.db)
    const later = await api('POST', '/api/inject-custom-context', keyed(user, 'daily', body))
    expect(later.status, later.text).to.equal(200)
    expect(later.headers.get('idempotent-replayed')).to.equal(null)
    expect(later.body.context_id).to.not.equal(first.body.context_id)
    expect(await storedEvents(roomId)).to.equal(4)
    expect(await storedKeys(user), 'the expired row was replaced').to.equal(1)
  })

  it('deletes keys older than 24 h with the timer poll, and keeps the others', async () => {
    const { roomId } = await runningRoom(user)
    for (const key of ['old', 'new']) await api('POST', '/api/inject-custom-context', keyed(user, key, { room_id: roomId, context_text: key }))
    await sql`update idempotency_keys set created_at = now() - interval '25 hours' where user_id = ${user.id} and key = 'old'`.execute(ctx().database.db)
    const scheduler = newScheduler(newRuntime(), 50)
    scheduler.start()
    try {
      await waitFor(async () => (await storedKeys(user)) === 1, 5_000, 'the expired key to be deleted')
    } finally {
      await scheduler.stop()
    }
    const left = await ctx().database.db.selectFrom('idempotency_keys').select('key').where('user_id', '=', user.id).execute()
    expect(left.map((r) => r.key)).to.deep.equal(['new'])
  })

  for (const [what, value] of [
    ['that is empty', ''],
    ['of 256 characters', 'k'.repeat(256)],
    ['with a space', 'two words'],
    ['of two keys (the header sent twice)', 'a, b'],
    ['with a non-ASCII letter', 'clé'],
  ] as const) {
    it(`answers 400 naming the header for a key ${what}, and writes nothing`, async () => {
      const { roomId } = await runningRoom(user)
      expectFieldError(await api('POST', roomPath(roomId, 'timer/pause'), { token: user.token, headers: { 'Idempotency-Key': value } }), 'headers.idempotency-key')
      expect(await storedEvents(roomId)).to.equal(2)
    })
  }
})

describe('If-Match on room commands', () => {
  let user: TestUser
  beforeEach(async () => {
    user = await newUser('ifmatch')
  })

  const ifMatch = (value: string, body?: unknown) => ({ token: user.token, body, headers: { 'If-Match': value } })

  it('carries the version as the ETag of timer/status, the room summary and every command answer', async () => {
    const { roomId } = await runningRoom(user)
    const status = await timerStatus(user, roomId)
    expect(status.body.version).to.equal(2)
    expect(status.headers.get('etag')).to.equal('"2"')
    expect((await api('GET', `/api/status/${roomId}`, { token: user.token })).headers.get('etag')).to.equal('"2"')
    const paused = await api('POST', roomPath(roomId, 'timer/pause'), { token: user.token })
    expect(paused.headers.get('etag')).to.equal('"3"')
  })

  it('runs the command when the room is still at the version named', async () => {
    const { roomId } = await runningRoom(user)
    const etag = (await timerStatus(user, roomId)).headers.get('etag')!
    const reply = await api('POST', roomPath(roomId, 'timer/pause'), ifMatch(etag))
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body).to.include({ state: 'paused', version: 3 })
    expect(reply.headers.get('etag')).to.equal('"3"')
    const injected = await api('POST', '/api/inject-problem', ifMatch('"3"', { room_id: roomId, problem_text: 'Merge intervals' }))
    expect(injected.status, injected.text).to.equal(200)
    expect((await api('POST', roomPath(roomId, 'timer/resume'), ifMatch('"1", "4"'))).status, 'any of a list').to.equal(200)
    expect((await api('POST', roomPath(roomId, 'timer/pause'), ifMatch('*'))).status, '* matches any version').to.equal(200)
  })

  it('answers 412 with the current version when the room has moved on, and writes nothing', async () => {
    const { roomId } = await runningRoom(user)
    const seen = (await timerStatus(user, roomId)).headers.get('etag')!
    await api('POST', roomPath(roomId, 'timer/pause'), { token: user.token })
    const before = await roomRows(roomId)
    const stale = await api('POST', roomPath(roomId, 'phase/next'), ifMatch(seen))
    expect(stale.status, stale.text).to.equal(412)
    expect(stale.body.error.code).to.equal('precondition_failed')
    expect(stale.body.error.details).to.deep.include({ current_version: 3, if_match: [2] })
    expect(stale.headers.get('etag')).to.equal('"3"')
    expect(await roomRows(roomId)).to.deep.equal(before)
    const problem = await api('POST', '/api/inject-problem', ifMatch(seen, { room_id: roomId, problem_text: 'too late' }))
    expect(problem.status).to.equal(412)
    expect(await roomRows(roomId)).to.deep.equal(before)
  })

  it('answers 412, not 409, when another process moved the room on behind this one’s cache', async () => {
    const { roomId } = await runningRoom(user)
    // Written straight through a second runtime: this process's cached room is now behind.
    await newRuntime('other').execute(roomId, { type: 'pauseTimer' }, {})
    const stale = await api('POST', roomPath(roomId, 'timer/pause'), ifMatch('"2"'))
    expect(stale.status, stale.text).to.equal(412)
    expect(stale.body.error.details.current_version).to.equal(3)
    expect(await storedEvents(roomId)).to.equal(3)
  })

  for (const value of ['2', '"two"', 'W/"2"', '"2', '"2",', '']) {
    it(`answers 400 naming the header for If-Match: ${value || '(empty)'}, and writes nothing`, async () => {
      const { roomId } = await runningRoom(user)
      expectFieldError(await api('POST', roomPath(roomId, 'timer/pause'), ifMatch(value)), 'headers.if-match')
      expect(await storedEvents(roomId)).to.equal(2)
    })
  }

  it('refuses If-Match on start-interview (400): there is no room yet to match', async () => {
    const body = { room_id: newRoomId(), phases: longPhases() }
    expectFieldError(await api('POST', '/api/start-interview', { token: user.token, body, headers: { 'If-Match': '"0"' } }), 'headers.if-match')
    expect(await storedEvents(body.room_id)).to.equal(0)
  })

  it('answers a retried conditional command from its key, not with 412 for its own change', async () => {
    const { roomId } = await runningRoom(user)
    const headers = { 'If-Match': '"2"', 'Idempotency-Key': 'pause-once' }
    const first = await api('POST', roomPath(roomId, 'timer/pause'), { token: user.token, headers })
    const again = await api('POST', roomPath(roomId, 'timer/pause'), { token: user.token, headers })
    expect(first.status, first.text).to.equal(200)
    expectReplay(first, again)
  })
})

describe('the command headers in /openapi.json', () => {
  it('documents Idempotency-Key on every room command and If-Match on those of an existing room', async () => {
    const doc = (await api('GET', '/openapi.json')).body
    const headersOf = (path: string) => (doc.paths[path].post.parameters ?? []).filter((p: { in: string }) => p.in === 'header').map((p: { name: string }) => p.name).sort()
    for (const suffix of ['timer/start', 'timer/pause', 'timer/resume', 'timer/reset', 'phase/next', 'end']) {
      expect(headersOf(`/api/interview/{room_id}/${suffix}`), suffix).to.deep.equal(['idempotency-key', 'if-match'])
    }
    expect(headersOf('/api/inject-problem')).to.deep.equal(['idempotency-key', 'if-match'])
    expect(headersOf('/api/inject-custom-context')).to.deep.equal(['idempotency-key', 'if-match'])
    expect(headersOf('/api/start-interview')).to.deep.equal(['idempotency-key'])
  })
})
