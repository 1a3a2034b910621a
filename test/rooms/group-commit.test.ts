import { expect } from 'chai'
import { setTimeout as sleep } from 'node:timers/promises'
import { randomUUID } from 'node:crypto'
import { readStream } from '../../src/event-store'
import { findRoomStatus } from '../../src/rooms/room.repository'
import { roomStream } from '../../src/rooms/room-facts.schema'
import { writeRoomBatch } from '../../src/rooms/room-writes.repository'
import { GroupCommitter } from '../../src/rooms/group-commit'
import { ctx } from '../support/context'
import { newUser } from '../support/http'
import { injectWrite, newRoomId, newRuntime, openCommand, phase, quietLogger } from '../support/runtime'

const db = () => ctx().database.db

describe('group commit of room writes', () => {
  before(() => ctx().service.timers.stop())
  after(() => ctx().service.timers.start())

  it('writes the commands whose version still holds and nothing of the one whose room moved on, in one statement', async () => {
    const user = await newUser('gc')
    const runtime = newRuntime()
    const [stale, fresh] = [newRoomId(), newRoomId()]
    for (const roomId of [stale, fresh]) await runtime.execute(roomId, openCommand(roomId, user.id, [phase(1, 5)]))
    // `stale` is at version 1: a write expecting 0 lost its race; `fresh` expects 1 and holds.
    const written = await writeRoomBatch(db(), [injectWrite(stale, user.id, 0), injectWrite(fresh, user.id, 1)], 'test', 500)
    expect([...written.keys()]).to.deep.equal([roomStream(fresh)])
    expect(written.get(roomStream(fresh))!.map((r) => r.stream_position)).to.deep.equal([2])
    expect((await readStream(db(), roomStream(stale))).map((e) => e.type)).to.deep.equal(['room_opened'])
    expect((await readStream(db(), roomStream(fresh))).map((e) => e.type)).to.deep.equal(['room_opened', 'problem_injected'])
    expect((await findRoomStatus(db(), stale))!.version).to.equal(1)
    expect((await findRoomStatus(db(), fresh))).to.include({ version: 2 })
  })

  /** `count` rooms opened at once on a fresh runtime: their results, and the statements and writes that took. */
  async function openAtOnce(count: number) {
    const user = await newUser('gc')
    const runtime = newRuntime()
    const rooms = Array.from({ length: count }, () => newRoomId())
    const before = { ...runtime.committer.stats }
    const results = await Promise.all(rooms.map((roomId) => runtime.execute(roomId, openCommand(roomId, user.id, [phase(1, 5)]))))
    return { rooms, results, batches: runtime.committer.stats.batches - before.batches, writes: runtime.committer.stats.writes - before.writes }
  }

  it('puts commands for different rooms that arrive together into shared statements, each answered with its own facts', async () => {
    const { rooms, results, batches, writes } = await openAtOnce(20)
    expect(writes).to.equal(20)
    expect(batches).to.be.lessThan(20)
    results.forEach((result, i) => {
      expect(result.version).to.equal(1)
      expect(result.events.map((e) => [e.stream_id, e.stream_position, e.type])).to.deep.equal([[roomStream(rooms[i]!), 1, 'room_opened']])
    })
  })

  it('sends a burst in statements of at most 64 commands, while the rest are still arriving, and commits every one', async () => {
    const { rooms, results, batches, writes } = await openAtOnce(150)
    expect(writes).to.equal(150)
    expect(batches).to.be.within(3, 149)
    expect(results.map((r) => r.version)).to.deep.equal(rooms.map(() => 1))
    const stored = await db().selectFrom('events').select('stream_id').where('stream_id', 'in', rooms.map(roomStream)).execute()
    expect(stored).to.have.length(150)
  })

  it('keeps one statement in flight under a steady load, and a second only for a burst', async () => {
    const user = await newUser('gc')
    const committer = new GroupCommitter({ db: db(), logger: quietLogger, node: 'test-writers', leaseGraceMs: 500, writers: 2, flushAt: 16 })
    // Eight clients in a loop, each back a moment after its answer (as over HTTP): never 16
    // commands waiting, so they wait for the statement in flight.
    const until = Date.now() + 400
    let steadyBacklogged = 0
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() < until) {
          await committer.write(injectWrite(newRoomId(), user.id, 0))
          if (committer.backlogged) steadyBacklogged++
          await sleep(Math.random() * 2)
        }
      }),
    )
    expect(committer.stats.batches).to.be.greaterThan(5)
    expect(committer.stats.overlapped, 'statements sent beside another').to.equal(0)
    expect(committer.stats.writes / committer.stats.batches, 'commands a statement').to.be.greaterThan(1)
    expect(steadyBacklogged, 'a steady load is no burst (projections need not wait)').to.equal(0)
    // 200 at once: a burst, and a second statement goes while the first is in flight.
    const burst = Promise.all(Array.from({ length: 200 }, () => committer.write(injectWrite(newRoomId(), user.id, 0))))
    expect(committer.backlogged).to.equal(true)
    await burst
    expect(committer.stats.overlapped).to.be.greaterThan(0)
    await sleep(100)
    expect(committer.backlogged, 'a while after the burst').to.equal(false)
  })

  it('sends the next batch before it answers the commands of the statement that committed', async () => {
    const user = await newUser('gc')
    let sent = 0
    // The database, counting the statements sent through it.
    const counting = new Proxy(db(), {
      get(target, prop) {
        if (prop === 'executeQuery') return (query: Parameters<typeof target.executeQuery>[0]) => (sent++, target.executeQuery(query))
        const value: unknown = Reflect.get(target, prop)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const committer = new GroupCommitter({ db: counting, logger: quietLogger, node: 'test-next', leaseGraceMs: 500 })
    const first = committer.write(injectWrite(newRoomId(), user.id, 0))
    await new Promise(setImmediate) // the first statement is in flight
    expect(sent).to.equal(1)
    const second = committer.write(injectWrite(newRoomId(), user.id, 0))
    const sentWhenAnswered = await first.then(() => sent)
    expect(sentWhenAnswered, 'statements sent when the first command was answered').to.equal(2)
    expect((await second).map((e) => e.stream_position)).to.deep.equal([1])
  })

  it('keeps one room conflicting with another runtime from failing the commands of other rooms in its batch', async () => {
    const user = await newUser('gc')
    const [a, b] = [newRuntime('a'), newRuntime('b')]
    const contested = newRoomId()
    const others = Array.from({ length: 5 }, () => newRoomId())
    await a.execute(contested, openCommand(contested, user.id, [phase(1, 5)]))
    await b.load(contested)
    const inject = (runtime: typeof a, roomId: string) => runtime.execute(roomId, { type: 'injectProblem', problem_id: randomUUID(), problem_text: 'x', problem_type: null, difficulty: null })
    // b's cached version goes stale once a appends; b's batch also carries the other rooms' opens.
    await inject(a, contested)
    const results = await Promise.all([inject(b, contested), ...others.map((roomId) => b.execute(roomId, openCommand(roomId, user.id, [phase(1, 5)])))])
    expect(results[0]!.version).to.equal(3)
    for (const result of results.slice(1)) expect(result.version).to.equal(1)
    expect((await readStream(db(), roomStream(contested))).map((e) => e.stream_position)).to.deep.equal([1, 2, 3])
    expect(b.stats.conflicts).to.be.greaterThan(0)
  })
})

describe('the room owner kept in memory', () => {
  it('finds a room another process opened after this one had looked it up and found nothing', async () => {
    const user = await newUser('owner')
    const [a, b] = [newRuntime('a'), newRuntime('b')]
    const roomId = newRoomId()
    expect(await a.ownerOf(roomId)).to.equal(undefined)
    await b.execute(roomId, openCommand(roomId, user.id, [phase(1, 5)]))
    expect(await a.ownerOf(roomId)).to.equal(user.id)
  })
})
