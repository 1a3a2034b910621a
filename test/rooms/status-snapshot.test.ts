import { expect } from 'chai'
import { sql } from 'kysely'
import { MACHINE_VERSION, persistSnapshot } from '../../machines/interview-room'
import type { RoomWrite } from '../../src/rooms/room-writes.repository'
import type { RoomRuntime } from '../../src/rooms/room-runtime'
import { ctx } from '../support/context'
import { newUser } from '../support/http'
import { newRoomId, newRuntime, openCommand, phase } from '../support/runtime'

const plan = [phase(2, 10), phase(1, 10), phase(3, 10)]
const sortedPlan = [...plan].sort((a, b) => a.sequence - b.sequence)

interface StoredSnapshot {
  machine_version?: number
  context: { phases?: unknown[]; index: number }
}

async function storedSnapshot(roomId: string): Promise<StoredSnapshot> {
  const row = await ctx().database.db.selectFrom('room_status').select('snapshot').where('room_id', '=', roomId).executeTakeFirstOrThrow()
  return row.snapshot as StoredSnapshot
}

/** The status snapshots a runtime sends to the database, in order. */
function sentSnapshots(runtime: RoomRuntime): StoredSnapshot[] {
  const sent: StoredSnapshot[] = []
  const write = runtime.committer.write.bind(runtime.committer)
  runtime.committer.write = (w: RoomWrite) => {
    sent.push(w.status.snapshot as StoredSnapshot)
    return write(w)
  }
  return sent
}

async function startedRoom() {
  const user = await newUser('snap')
  const roomId = newRoomId()
  const runtime = newRuntime()
  const sent = sentSnapshots(runtime)
  await runtime.execute(roomId, openCommand(roomId, user.id, plan))
  await runtime.execute(roomId, { type: 'startTimer' })
  return { roomId, runtime, sent }
}

describe('the status row snapshot, written without its plan', () => {
  before(() => ctx().service.timers.stop())
  after(() => ctx().service.timers.start())

  it('sends the plan with the first write only, and the row keeps it through later commands', async () => {
    const { roomId, runtime, sent } = await startedRoom()
    await runtime.execute(roomId, { type: 'pauseTimer' })
    await runtime.execute(roomId, { type: 'resumeTimer' })
    await runtime.execute(roomId, { type: 'skipPhase' })
    expect(sent.map((s) => s.context.phases?.length ?? 0)).to.deep.equal([3, 0, 0, 0, 0])
    const stored = await storedSnapshot(roomId)
    expect(stored.machine_version).to.equal(MACHINE_VERSION)
    expect(stored.context.phases).to.deep.equal(sortedPlan)
    // The whole snapshot, as a process with no cache restores it from the row.
    const fresh = await newRuntime().load(roomId)
    expect(persistSnapshot(fresh.snapshot)).to.deep.equal(persistSnapshot((await runtime.load(roomId)).snapshot))
    expect(fresh.snapshot.context.index).to.equal(1)
  })

  it('stores a planless snapshot without a machine version when the row it replaces is gone, and the room is rebuilt from its facts', async () => {
    const { roomId, runtime } = await startedRoom()
    await ctx().database.db.deleteFrom('room_status').where('room_id', '=', roomId).execute()
    // This runtime still believes the row holds the plan: what it sends must not be restored as the room.
    await runtime.execute(roomId, { type: 'pauseTimer' })
    const orphan = await storedSnapshot(roomId)
    expect(orphan).to.not.have.property('machine_version')
    expect(orphan.context).to.not.have.property('phases')
    const other = newRuntime()
    const rebuilt = await other.load(roomId)
    expect(rebuilt.version).to.equal(3)
    expect(rebuilt.snapshot.context.phases).to.deep.equal(sortedPlan)
    // Rebuilt from facts, the room's next write is the whole snapshot again.
    await other.execute(roomId, { type: 'resumeTimer' })
    const healed = await storedSnapshot(roomId)
    expect(healed.machine_version).to.equal(MACHINE_VERSION)
    expect(healed.context.phases).to.deep.equal(sortedPlan)
  })

  it('does not take the plan of a row another machine version wrote', async () => {
    const { roomId, runtime } = await startedRoom()
    await sql`update room_status set snapshot = jsonb_set(snapshot, '{machine_version}', ${String(MACHINE_VERSION + 1)}::jsonb) where room_id = ${roomId}`.execute(ctx().database.db)
    await runtime.execute(roomId, { type: 'pauseTimer' })
    const stored = await storedSnapshot(roomId)
    expect(stored).to.not.have.property('machine_version')
    expect(stored.context).to.not.have.property('phases')
    expect((await newRuntime().load(roomId)).snapshot.context.phases).to.deep.equal(sortedPlan)
  })
})
