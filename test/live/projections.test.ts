import { expect } from 'chai'
import { sql } from 'kysely'
import { projections, type Projection } from '../../projections'
import { compareCheckpoints, readAll, type Checkpoint } from '../../src/event-store'
import { catchUp, projectNextPage, rebuildProjection } from '../../src/rooms/projector'
import { roomStream } from '../../src/rooms/room-facts.schema'
import pg from 'pg'
import { randomUUID } from 'node:crypto'
import { ctx } from '../support/context'
import { realPostgresUrl } from '../support/database'
import { api, newUser, type TestUser } from '../support/http'
import { skipUnless } from '../support/skip'
import { command, injectProblem, openRoom, sleep, waitFor } from './live.fixtures'

const db = () => ctx().database.db

/** What a projection pass of user_rooms holds (src/rooms/projector.ts), taken by a client of the test's own. */
const LOCK_USER_ROOMS = `select pg_advisory_xact_lock(hashtextextended('projection:user_rooms', 0))`

/**
 * The last event committed so far. Not headCheckpoint, which stops short of the events committed
 * after a transaction still open (this process's own projection pass, say): tests that ask "has
 * everything written so far arrived?" need every commit.
 */
async function lastCommitted(): Promise<Checkpoint> {
  // Ordered by the xid8 column, not the text alias of the same name (text puts "999" after "1760").
  const result = await sql<Checkpoint>`select e.transaction_id::text as transaction_id, e.global_position from events e order by e.transaction_id desc, e.global_position desc limit 1`.execute(db())
  return result.rows[0]!
}

/** Waits until every async projection has read the log up to where it ends now. */
async function projectionsCaughtUp(): Promise<void> {
  const head = await lastCommitted()
  await waitFor(
    async () => {
      const rows = await sql<Checkpoint & { name: string }>`select name, transaction_id::text as transaction_id, global_position from projection_checkpoints`.execute(db())
      return Object.keys(projections).every((name) => {
        const row = rows.rows.find((r) => r.name === name)
        return row && compareCheckpoints(row, head) >= 0
      })
    },
    10_000,
    'the projections to reach the head of the log',
  )
}

/** A projection's rows for some rooms, in a stable order. */
async function rowsOf(projection: Projection, roomIds: string[]) {
  const rows: Array<Record<string, unknown>> = []
  for (const table of projection.tables) {
    const result = await sql<Record<string, unknown>>`select * from ${sql.table(table)} where room_id in (${sql.join(roomIds)}) order by room_id`.execute(db())
    rows.push(...result.rows.map((r) => ({ table, ...r })))
  }
  return rows
}

const ids = (rooms: Array<{ room_id: string }>) => rooms.map((r) => r.room_id).sort()

describe('async projections', () => {
  let user: TestUser
  const rooms: Record<'ready' | 'running' | 'paused' | 'completed', string> = { ready: '', running: '', paused: '', completed: '' }

  before(async () => {
    user = await newUser('proj')
    for (const state of Object.keys(rooms) as Array<keyof typeof rooms>) rooms[state] = await openRoom(user)
    await command(user, rooms.running, 'timer/start')
    await injectProblem(user, rooms.running, 'first')
    await injectProblem(user, rooms.running, 'second')
    await command(user, rooms.paused, 'timer/start')
    await command(user, rooms.paused, 'timer/pause')
    await command(user, rooms.completed, 'timer/start')
    await command(user, rooms.completed, 'end')
  })

  const list = (query: string, who = user) => api('GET', `/api/interview/rooms${query}`, { token: who.token }).then((r) => r.body.rooms as Array<{ room_id: string } & Record<string, any>>)

  it('lists the caller’s rooms by state in GET /api/interview/rooms, soon after the commands', async () => {
    await waitFor(async () => (await list('?state=completed')).length === 1, 5_000, 'the completed room to be listed')
    for (const state of ['ready', 'running', 'paused', 'completed'] as const) {
      expect(ids(await list(`?state=${state}`)), state).to.deep.equal([rooms[state]])
    }
    expect(ids(await list('?state=open'))).to.deep.equal([rooms.ready, rooms.running, rooms.paused].sort())
    const all = await list('')
    expect(ids(all)).to.deep.equal(Object.values(rooms).sort())
    const running = all.find((r) => r.room_id === rooms.running)!
    expect(running).to.include({ owner_id: user.id, state: 'running', total_phases: 2, problems_injected: 2, version: 4 })
    expect(running.started_at).to.be.a('string')
    const completed = all.find((r) => r.room_id === rooms.completed)!
    expect(completed.completed_at).to.be.a('string')
    expect(completed.session_duration_seconds).to.be.a('number')
    const stranger = await newUser('proj-other')
    expect(await list('', stranger), 'another user sees none of them').to.deep.equal([])
  })

  it('shows the open rooms in GET /api/connections/status, and follows a later command', async () => {
    const status = async (who = user) => (await api('GET', '/api/connections/status', { token: who.token })).body
    await waitFor(async () => (await status()).total_rooms === 3, 5_000, 'three open rooms')
    const body = await status()
    expect(ids(body.rooms)).to.deep.equal([rooms.ready, rooms.running, rooms.paused].sort())
    expect(body).to.include({ success: true, total_peers: 0, active_bots: 0 })
    const paused = body.rooms.find((r: { room_id: string }) => r.room_id === rooms.paused)
    expect(paused).to.include({ state: 'paused', current_sequence: 1, last_event_type: 'timer_paused', peers: 0, bot_status: 'idle' })

    await command(user, rooms.paused, 'timer/resume')
    await waitFor(async () => (await status()).rooms.find((r: { room_id: string }) => r.room_id === rooms.paused)?.state === 'running', 5_000, 'the resumed room')
    expect((await status(await newUser('proj-other'))).total_rooms).to.equal(0)
    await command(user, rooms.paused, 'timer/pause')
  })

  for (const name of Object.keys(projections)) {
    it(`rebuilds ${name} to exactly the rows the live projection had`, async () => {
      const projection = projections[name]!
      const mine = Object.values(rooms)
      await projectionsCaughtUp()
      const live = await rowsOf(projection, mine)
      expect(live).to.have.length(mine.length * projection.tables.length)
      const replayed = await rebuildProjection(db(), projection)
      expect(replayed, 'the whole log was read again').to.be.greaterThan(mine.length)
      expect(await rowsOf(projection, mine)).to.deep.equal(live)
    })
  }

  it('loses nothing written while a rebuild runs', async () => {
    await projectionsCaughtUp()
    const rebuilding = Promise.all(Object.values(projections).map((p) => rebuildProjection(db(), p)))
    const version = await injectProblem(user, rooms.running, 'during the rebuild')
    await rebuilding
    // Waits for the row the command leads to, not a proxy of it: a transaction elsewhere on the
    // server may hold every log reader back for a while (README, "Using a real PostgreSQL"), but the
    // row must end exactly so: the problem counted once, at the version the command answered.
    const running = () => list('?state=running').then((rows) => rows.find((r) => r.room_id === rooms.running))
    await waitFor(async () => (await running())?.version === version, 10_000, `the room listed at version ${version}`)
    await projectionsCaughtUp()
    const [row] = await rowsOf(projections.user_rooms!, [rooms.running])
    expect(row).to.include({ problems_injected: 3, version })
  })

  it('goes on to the end of the log when a live pass takes the projection between two of its pages', async function () {
    skipUnless(this, realPostgresUrl, 'needs overlapping transactions on real PostgreSQL (set TEST_DATABASE_URL)')
    await projectionsCaughtUp()
    const mine = Object.values(rooms)
    const live = await rowsOf(projections.user_rooms!, mine)
    const [first, second] = [new pg.Client({ connectionString: ctx().config.DATABASE_URL }), new pg.Client({ connectionString: ctx().config.DATABASE_URL })]
    await Promise.all([first.connect(), second.connect()])
    const waiting = async (n: number) => {
      const result = await sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`.execute(db())
      return result.rows[0]!.n >= n
    }
    try {
      // The lock's queue decides the order: the rebuild's emptying transaction, then the second
      // holder, which takes the projection the moment the emptying commits, before the first page.
      await first.query('begin')
      await first.query(LOCK_USER_ROOMS)
      const rebuilt = rebuildProjection(db(), projections.user_rooms!)
      await waitFor(() => waiting(1), 3_000, 'the rebuild to wait for the lock')
      await second.query('begin')
      const secondHolds = second.query(LOCK_USER_ROOMS)
      await waitFor(() => waiting(2), 3_000, 'the second holder to queue behind it')
      await first.query('rollback')
      await secondHolds
      await sleep(200)
      await second.query('rollback')
      expect(await rebuilt, 'the whole log was read again').to.be.greaterThan(mine.length)
      expect(await rowsOf(projections.user_rooms!, mine)).to.deep.equal(live)
    } finally {
      await Promise.all([first.end(), second.end()])
    }
  })

  it('catches up by itself after finding the projection locked by another holder when it was woken', async function () {
    skipUnless(this, realPostgresUrl, 'needs overlapping transactions on real PostgreSQL (set TEST_DATABASE_URL)')
    const roomId = await openRoom(user)
    await projectionsCaughtUp()
    const writer = new pg.Client({ connectionString: ctx().config.DATABASE_URL })
    const holder = new pg.Client({ connectionString: ctx().config.DATABASE_URL })
    await Promise.all([writer.connect(), holder.connect()])
    try {
      // The race: an event's transaction starts, another holder (a process mid-page, or a rebuild)
      // locks the checkpoint with that event still invisible, the event commits and wakes this
      // process's worker, which finds the lock taken; the holder then ends without the event.
      await writer.query('begin')
      const fact = { problem_id: randomUUID(), problem_text: 'raced', problem_type: null, difficulty: null, at: new Date().toISOString() }
      await writer.query(`insert into events (stream_id, stream_position, type, data) values ($1, 2, 'problem_injected', $2)`, [roomStream(roomId), JSON.stringify(fact)])
      await holder.query('begin')
      await holder.query(LOCK_USER_ROOMS)
      await writer.query('commit')
      const stored = await sql<Checkpoint>`select transaction_id::text as transaction_id, global_position from events where stream_id = ${roomStream(roomId)} and stream_position = 2`.execute(db())
      const service = ctx().service
      service.notifier.appended()
      await waitFor(() => compareCheckpoints(service.subscription.checkpoint, stored.rows[0]!) >= 0, 3_000, 'the subscription to pass the event')
      await sleep(200)
      await holder.query('rollback')
      // Nothing else is appended: the worker that was turned away must come back on its own.
      await waitFor(async () => (await rowsOf(projections.user_rooms!, [roomId]))[0]?.problems_injected === 1, 3_000, 'user_rooms to project the event')
    } finally {
      await Promise.all([writer.end(), holder.end()])
    }
  })

  it('hides no event from log readers while a projection pass reads and applies its page', async function () {
    skipUnless(this, realPostgresUrl, 'needs overlapping transactions on real PostgreSQL (set TEST_DATABASE_URL)')
    const roomId = await openRoom(user)
    let opened: () => void = () => {}
    const gate = new Promise<void>((resolve) => (opened = resolve))
    let holding = false
    let applying: () => void = () => {}
    const reached = new Promise<void>((resolve) => (applying = resolve))
    const gated: Projection = {
      name: `gated_${randomUUID().slice(0, 8)}`,
      tables: [],
      handles: ['problem_injected'],
      async apply() {
        if (!holding) return
        applying()
        await gate
      },
    }
    await catchUp(db(), gated) // creates its checkpoint: from here on a pass starts with no write
    await injectProblem(user, roomId, 'projected')
    holding = true
    const pass = projectNextPage(db(), gated)
    try {
      await reached
      const head = await lastCommitted()
      const version = await injectProblem(user, roomId, 'while the pass is open')
      // Any transaction on the server (another database's too) holds log readers back while it
      // runs, so the event may take a moment to show; but while this pass stays open it must show.
      const mine = async () => (await readAll(db(), { after: head, limit: 10_000 })).filter((e) => e.stream_id === roomStream(roomId))
      const seen = await waitFor(async () => {
        const events = await mine()
        return events.length > 0 && events
      }, 3_000, 'the event appended while the pass is open to reach log readers')
      expect(seen.map((e) => [e.type, e.stream_position])).to.deep.equal([['problem_injected', version]])
    } finally {
      opened()
      await pass
    }
  })
})
