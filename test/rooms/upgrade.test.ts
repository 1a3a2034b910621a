import { expect } from 'chai'
import { hash } from '@node-rs/bcrypt'
import { Migrator, sql } from 'kysely'
import { migrations } from '../../migrations'
import { openDatabase, type DatabaseHandle } from '../../src/db/connection'
import { startService, type RunningService } from '../../src/service'
import { readStream } from '../../src/event-store'
import { roomStream } from '../../src/rooms/room-facts.schema'
import { replayEvent, type RecordedEvent } from '../../src/rooms/history-record'
import { initialRoomSnapshot, MACHINE_VERSION, type RoomSnapshot } from '../../machines/interview-room'
import { rebuildStaleSnapshots } from '../../src/rooms/snapshot-rebuild'
import { persistSnapshot } from '../../machines/interview-room'
import { testConfig } from '../support/context'
import { createScratchDatabase, realPostgresUrl } from '../support/database'
import { api } from '../support/http'
import { expectRecorded, preVersionHistory, storeRecorded } from '../support/histories'

const PASSWORD = 'correct horse battery'
const golden = preVersionHistory()

/** The snapshot as the code before machine versions persisted it: value and context, no version. */
function oldSnapshot(events: RecordedEvent[]): { value: unknown; context: unknown } {
  let snapshot: RoomSnapshot = initialRoomSnapshot()
  for (const event of events) snapshot = replayEvent(snapshot, event).snapshot
  return { value: snapshot.value, context: snapshot.context }
}

/**
 * The upgrade: a database at the schema the previous release left (migrations up to 0003), rows
 * written in the shapes that release wrote (facts without schema versions, room_opened without
 * plan_id, snapshots without machine versions); then this release starts on it (migrating it)
 * and reads the rooms back through its API.
 */
describe('upgrading a database written by the release before fact and machine versions', () => {
  let database: DatabaseHandle
  let service: RunningService
  let drop: (() => Promise<void>) | undefined
  let token: string
  const ownerId = (golden.events[0]!.data as { owner_id: string }).owner_id
  const upTo = (n: number) => golden.events.slice(0, n)
  const rooms = { whole: `upgrade-whole`, ready: `upgrade-ready`, lying: `upgrade-lying` }

  before(async function () {
    this.timeout(60_000)
    const scratch = realPostgresUrl ? await createScratchDatabase(realPostgresUrl) : undefined
    drop = scratch?.drop
    const config = testConfig({ ...(scratch ? { DATABASE_URL: scratch.url } : {}), PGLITE_DATA_DIR: 'memory://' })
    database = await openDatabase(config)
    const { db } = database
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
    const before = await migrator.migrateTo('0003_projections')
    if (before.error) throw before.error
    await db.insertInto('users').values({ id: ownerId, email: 'upgrade@example.com', username: 'upgrade_owner', password_hash: await hash(PASSWORD, 4) }).execute()

    const statusRow = async (roomId: string, events: RecordedEvent[], snapshot: unknown) => {
      const last = events[events.length - 1]!
      await sql`insert into room_status (room_id, owner_id, session_id, title, state, current_sequence, deadline, version, snapshot, opened_at, updated_at)
                values (${roomId}, ${ownerId}, ${(events[0]!.data as { session_id: string }).session_id}, 'old', ${last.status.state}, ${last.status.timer_status.current_sequence},
                        ${last.status.timer_status.deadline}, ${last.version}, ${JSON.stringify(snapshot)}::jsonb, ${events[0]!.recorded_at}, ${last.recorded_at})`.execute(db)
    }
    await storeRecorded(db, rooms.whole, golden.events)
    await statusRow(rooms.whole, golden.events, oldSnapshot(golden.events))
    await sql`insert into room_snapshots (room_id, version, snapshot, at) values (${rooms.whole}, 20, ${JSON.stringify(oldSnapshot(upTo(20)))}::jsonb, ${golden.events[19]!.recorded_at})`.execute(db)
    // Ready, before the first phase: opened, a problem and a context injected.
    await storeRecorded(db, rooms.ready, upTo(3))
    await statusRow(rooms.ready, upTo(3), oldSnapshot(upTo(3)))
    // A status row whose snapshot disagrees with the facts: only the facts may be believed.
    await storeRecorded(db, rooms.lying, upTo(3))
    await statusRow(rooms.lying, upTo(3), oldSnapshot(golden.events))

    service = await startService(testConfig({ ...(scratch ? { DATABASE_URL: scratch.url } : {}), SPEECH: 'none' }), { database })
    const login = await api('POST', '/api/v1/auth/login', { body: { email: 'upgrade@example.com', password: PASSWORD }, baseUrl: service.url })
    expect(login.status, login.text).to.equal(200)
    token = login.body.access_token
  })

  after(async function () {
    this.timeout(30_000)
    await service?.close()
    await database?.close()
    await drop?.()
  })

  const get = (path: string) => api('GET', path, { token, baseUrl: service.url })

  it('applies this release’s migrations', async () => {
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(database.db)
    expect(applied.rows.map((r) => r.name)).to.include('0007_stream_heads')
  })

  it('replays a whole old room unchanged: every state and status as recorded', async () => {
    const history = await get(`/api/interview/${rooms.whole}/history?limit=1000`)
    expect(history.status, history.text).to.equal(200)
    history.body.events.forEach((entry: { version: number; state_value: string; status: unknown; schema_version: number; machine_version: number | null }, i: number) => {
      const recorded = golden.events[i]!
      expect(entry.state_value).to.equal(recorded.status.state_value)
      expectRecorded(entry.status, recorded.status.timer_status, `version ${recorded.version}`)
      expect(entry).to.include({ schema_version: 1, machine_version: null })
    })
    const status = await get(`/api/interview/${rooms.whole}/timer/status`)
    expect(status.body).to.include({ state: 'completed', version: golden.events.length })
    // The old periodic snapshot (no machine version) is skipped; the point is rebuilt from the facts.
    const point = await get(`/api/interview/${rooms.whole}/state?version=25`)
    expectRecorded(point.body.timer_status, golden.events[24]!.status.timer_status, 'state at version 25')
  })

  it('never restores an old snapshot as is: a status row that disagrees with the facts is rebuilt from them', async () => {
    const status = await get(`/api/interview/${rooms.lying}/timer/status`)
    expect(status.body).to.include({ state: 'ready', version: 3 })
    expect(status.body.interview_context.injected).to.have.length(2)
  })

  it('goes on with an old room: new facts at today’s versions, a status row with the machine version', async () => {
    const started = await api('POST', `/api/interview/${rooms.ready}/timer/start`, { token, baseUrl: service.url })
    expect(started.status, started.text).to.equal(200)
    expect(started.body).to.include({ state: 'running', version: 4 })
    const events = await readStream(database.db, roomStream(rooms.ready))
    expect(events[0]!.metadata).to.not.have.property('schema_version')
    expect(events[3]!.metadata).to.include({ schema_version: 1, machine_version: MACHINE_VERSION })
    const row = await database.db.selectFrom('room_status').select('snapshot').where('room_id', '=', rooms.ready).executeTakeFirstOrThrow()
    expect(row.snapshot).to.include({ machine_version: MACHINE_VERSION })
    const history = await get(`/api/interview/${rooms.ready}/history`)
    expect(history.body.events.map((e: { state_value: string }) => e.state_value)).to.deep.equal(['ready', 'ready', 'ready', 'in_progress.running'])
  })

  it('snapshots:rebuild replaces the old snapshots with ones rebuilt from the facts, and leaves current ones alone', async () => {
    const replaced = await rebuildStaleSnapshots(database.db)
    // whole: its periodic snapshot and status row; lying: its status row (ready was moved on by timer/start).
    expect(replaced).to.equal(3)
    const periodic = await database.db.selectFrom('room_snapshots').select('snapshot').where('room_id', '=', rooms.whole).executeTakeFirstOrThrow()
    let snapshot: RoomSnapshot = initialRoomSnapshot()
    for (const event of upTo(20)) snapshot = replayEvent(snapshot, event).snapshot
    expect(periodic.snapshot).to.deep.equal(JSON.parse(JSON.stringify(persistSnapshot(snapshot))))
    expect(await rebuildStaleSnapshots(database.db)).to.equal(0)
  })
})
