import { expect } from 'chai'
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { promisify } from 'node:util'
import { checkHistories, type RoomCheckFailure } from '../../src/rooms/history-check'
import type { MigratedDatabase } from '../../src/db/scratch'
import { openOwnDatabase } from '../support/context'
import { preVersionHistory, storeRecorded } from '../support/histories'
import { skipUnless } from '../support/skip'
import type { RecordedEvent } from '../../src/rooms/history-record'

const run = promisify(execFile)
const golden = preVersionHistory().events

/** The first `n` events of the full golden room, with `change` applied to some of them. */
const history = (n: number, change: (event: RecordedEvent) => RecordedEvent = (e) => e) => golden.slice(0, n).map((e) => change(structuredClone(e)))

// Broken histories go into a database of their own: in the shared one, the projections would trip over them.
let database: MigratedDatabase

async function room(events: RecordedEvent[]): Promise<string> {
  const roomId = `check-${randomUUID().slice(0, 8)}`
  await storeRecorded(database.db, roomId, events)
  return roomId
}

describe('history:check', () => {
  before(async function () {
    this.timeout(60_000)
    database = await openOwnDatabase()
  })
  after(async () => {
    await database?.dispose()
  })

  it('lists each room it cannot replay once, at its first failing version and step, and checks the others to the end', async () => {
    const good = await room(history(golden.length))
    const badUpcast = await room(history(5, (e) => (e.version === 1 ? { ...e, data: { title: 'no room id' } } : e)))
    const badSchema = await room(history(8, (e) => (e.type === 'phase_started' ? { ...e, data: { ...(e.data as object), deadline: 'soon' } } : e)))
    const refused = await room(history(8, (e) => (e.version === 4 ? { ...e, type: 'timer_paused', data: { sequence: 1, remaining_ms: 5, at: '2026-01-01T00:00:00Z' } } : e)))
    const newer = await room(history(3, (e) => (e.version === 3 ? { ...e, type: 'speaking_time_recorded' } : e)))
    const failures: RoomCheckFailure[] = []
    const result = await checkHistories(database.db, { roomIds: [good, badUpcast, badSchema, refused, newer], pageSize: 7, onFailure: (f) => failures.push(f) })
    expect(result).to.deep.equal({ rooms: 5, events: golden.length + 1 + 6 + 4 + 3, failed: 4 })
    const by = (id: string) => failures.find((f) => f.room_id === id)
    expect(by(good)).to.equal(undefined)
    expect(by(badUpcast)).to.include({ version: 1, type: 'room_opened', storedVersion: 1, failedAt: 1, stage: 'upcast' })
    expect(by(badSchema)).to.include({ version: 6, type: 'phase_started', stage: 'schema', failedAt: 1 })
    expect(by(badSchema)!.reason).to.include('deadline')
    expect(by(refused)).to.include({ version: 4, type: 'timer_paused', stage: 'machine' })
    expect(by(refused)!.reason).to.include('ready')
    expect(by(newer)).to.include({ version: 3, type: 'speaking_time_recorded', stage: 'newer' })
  })

  it('as a command: exit 1 naming the room and version when one fails, 0 when all replay', async function () {
    this.timeout(60_000)
    skipUnless(this, database.kind === 'postgres', 'the CLI needs a database another process can open (set TEST_DATABASE_URL)')
    const good = await room(history(golden.length))
    const bad = await room(history(5, (e) => (e.version === 5 ? { ...e, type: 'timer_resumed' } : e)))
    const env = { ...process.env, ENV: 'test', DATABASE_URL: database.url }
    const ok = await run('npx', ['tsx', 'src/cli/history-check.ts', '--room', good], { env })
    expect(ok.stdout).to.match(/checked 1 rooms, 42 events .*every room replays/)
    const failed = await run('npx', ['tsx', 'src/cli/history-check.ts', '--room', good, '--room', bad], { env }).then(
      () => expect.fail('history:check should exit 1'),
      (error: { code: number; stdout: string }) => error,
    )
    expect(failed.code).to.equal(1)
    expect(failed.stdout).to.include(`FAIL room ${bad} at version 5: timer_resumed stored as v1`)
  })
})
