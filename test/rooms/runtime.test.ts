import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { readStream } from '../../src/event-store'
import { roomStream } from '../../src/rooms/room-facts.schema'
import { CommandRefused, roomStatus } from '../../machines/interview-room'
import { ctx } from '../support/context'
import { newUser } from '../support/http'
import { waitFor } from '../support/rooms'
import { newRoomId, newRuntime, newScheduler, openCommand, phase, sleep } from '../support/runtime'

async function openRoom(phases = [phase(1, 0.5), phase(2, 0.5)]) {
  const user = await newUser('rt')
  const roomId = newRoomId()
  const runtime = newRuntime()
  await runtime.execute(roomId, openCommand(roomId, user.id, phases))
  return { roomId, runtime, user }
}

const stream = (roomId: string) => readStream(ctx().database.db, roomStream(roomId))

async function waitForFact(roomId: string, type: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until && !(await stream(roomId)).some((e) => e.type === type)) await sleep(100)
}

describe('room runtime on the database', () => {
  // The shared test service is a process too: its timer poll would take these rooms over.
  before(() => ctx().service.timers.stop())
  after(() => ctx().service.timers.start())

  it('leaves a gapless stream with no lost or duplicated fact under 50 concurrent commands from two runtimes', async () => {
    const { roomId } = await openRoom()
    const [a, b] = [newRuntime('a'), newRuntime('b')]
    const ids = Array.from({ length: 50 }, () => randomUUID())
    await Promise.all(
      ids.map((problem_id, i) =>
        (i % 2 ? a : b).execute(roomId, { type: 'injectProblem', problem_id, problem_text: `p${i}`, problem_type: null, difficulty: null }),
      ),
    )
    const events = await stream(roomId)
    expect(events.map((e) => e.stream_position)).to.deep.equal(Array.from({ length: 51 }, (_, i) => i + 1))
    const injected = events.filter((e) => e.type === 'problem_injected').map((e) => (e.data as { problem_id: string }).problem_id)
    expect(injected).to.have.members(ids)
    expect(new Set(injected).size).to.equal(50)
  })

  it('appends exactly one fact when two runtimes race for the same due timer', async () => {
    const { roomId, runtime } = await openRoom()
    const started = await runtime.execute(roomId, { type: 'startTimer' })
    const deadline = started.snapshot.context.deadline!
    const due = { type: 'timerDue' as const, kind: 'deadline' as const, sequence: 1, due_at: deadline }
    const results = await Promise.all([newRuntime('x').execute(roomId, due), newRuntime('y').execute(roomId, due), runtime.execute(roomId, due)])
    expect(results.reduce((n, r) => n + r.facts.length, 0)).to.equal(1)
    const changes = (await stream(roomId)).filter((e) => e.type === 'phase_changed')
    expect(changes).to.have.length(1)
    expect(changes[0]!.data).to.include({ previous_sequence: 1, new_sequence: 2, at: deadline })
  })

  it('fires an overdue transition once, with late_ms, when a new process starts after the old one stopped', async () => {
    const { roomId, runtime } = await openRoom([phase(1, 0.01), phase(2, 1)])
    const first = newScheduler(runtime)
    first.start()
    await runtime.execute(roomId, { type: 'startTimer' })
    await first.stop()
    await sleep(1_200)
    expect((await stream(roomId)).map((e) => e.type)).to.not.include('phase_changed')

    const second = newScheduler(newRuntime('successor'))
    second.start()
    try {
      await waitForFact(roomId, 'phase_changed', 5_000)
    } finally {
      await second.stop()
    }
    const changes = (await stream(roomId)).filter((e) => e.type === 'phase_changed')
    expect(changes).to.have.length(1)
    expect((changes[0]!.data as { late_ms: number }).late_ms).to.be.greaterThan(500)
  })

  it('takes over the timers of a process that died holding their leases', async () => {
    const { roomId, runtime } = await openRoom([phase(1, 0.01), phase(2, 1)])
    // The "dead" process wrote the timer rows with its lease but never armed or released them.
    await runtime.execute(roomId, { type: 'startTimer' })
    const survivor = newScheduler(newRuntime('survivor'))
    survivor.start()
    try {
      await waitForFact(roomId, 'phase_changed', 6_000)
    } finally {
      await survivor.stop()
    }
    expect((await stream(roomId)).filter((e) => e.type === 'phase_changed')).to.have.length(1)
  })

  it('fires deadlines that fall together at most maxFiring at a time; the others wait and fire once each', async () => {
    const user = await newUser('rt')
    const runtime = newRuntime()
    const scheduler = newScheduler(runtime, 60_000, { maxFiring: 1 })
    const rooms = Array.from({ length: 5 }, () => newRoomId())
    let mostWaiting = 0
    let fired = 0
    runtime.on('executed', ({ command, ok }) => {
      mostWaiting = Math.max(mostWaiting, scheduler.waitingCount)
      if (command.type === 'timerDue' && ok) fired++
    })
    scheduler.start()
    try {
      for (const roomId of rooms) await runtime.execute(roomId, openCommand(roomId, user.id, [phase(1, 0.01)]))
      // Started together: the five deadlines fall within a few milliseconds of each other.
      await Promise.all(rooms.map((roomId) => runtime.execute(roomId, { type: 'startTimer' })))
      const before = { ...runtime.committer.stats }
      // Counted once each firing has been answered, so the committer's stats include its statement.
      await waitFor(async () => fired === rooms.length, 5_000, 'the five firings to be answered')
      expect(fired).to.equal(rooms.length)
      expect(mostWaiting).to.be.greaterThan(0)
      // One firing at a time: each went to the database in a statement of its own.
      expect(runtime.committer.stats.writes - before.writes).to.equal(5)
      expect(runtime.committer.stats.batches - before.batches).to.equal(5)
      const completed = await Promise.all(rooms.map(async (roomId) => (await stream(roomId)).filter((e) => e.type === 'interview_completed').length))
      expect(completed).to.deep.equal([1, 1, 1, 1, 1])
    } finally {
      await scheduler.stop()
    }
  })

  it('counts as busy while a deadline fires and for a moment after, so read models wait for a burst', async () => {
    const { roomId, runtime } = await openRoom([phase(1, 0.01)])
    const scheduler = newScheduler(runtime, 60_000)
    let busyWhileFiring: boolean | undefined
    runtime.on('executed', ({ command }) => {
      if (command.type === 'timerDue') busyWhileFiring = scheduler.busy
    })
    scheduler.start()
    try {
      await runtime.execute(roomId, { type: 'startTimer' })
      expect(scheduler.busy, 'before the deadline').to.equal(false)
      await waitFor(async () => busyWhileFiring !== undefined, 5_000, 'the deadline to fire')
      expect(busyWhileFiring, 'during the firing').to.equal(true)
      await waitFor(async () => !scheduler.busy, 1_000, 'the scheduler to be idle again')
    } finally {
      await scheduler.stop()
    }
  })

  it('collects the young generation once in the quiet before deadlines that fall together, not for a few or too many', async () => {
    const user = await newUser('rt')
    // Five deadlines against maxFiring 4 make a burst; three against 100 do not; five against a cap of 4 are too many.
    const watch = (rooms: number, maxFiring: number, collectBurstsUpTo?: number) => {
      const runtime = newRuntime()
      const seen: string[] = []
      const scheduler = newScheduler(runtime, 200, { maxFiring, collectBurstsUpTo, collectYoung: () => seen.push(scheduler.busy ? 'collected while busy' : 'collected') })
      runtime.on('executed', ({ command, ok }) => command.type === 'timerDue' && ok && seen.push('fired'))
      return { runtime, scheduler, seen, rooms: Array.from({ length: rooms }, () => newRoomId()) }
    }
    const burst = watch(5, 4)
    const few = watch(3, 100)
    const many = watch(5, 2, 4)
    const all = [burst, few, many]
    for (const { scheduler } of all) scheduler.start()
    try {
      for (const { runtime, rooms } of all) {
        for (const roomId of rooms) await runtime.execute(roomId, openCommand(roomId, user.id, [phase(1, 0.03)]))
      }
      // Started together: deadlines within a few ms of each other, 1.8 s ahead (polls look 0.5 s ahead).
      await Promise.all(all.flatMap(({ runtime, rooms }) => rooms.map((roomId) => runtime.execute(roomId, { type: 'startTimer' }))))
      await waitFor(async () => all.every(({ seen, rooms }) => seen.filter((s) => s === 'fired').length === rooms.length), 8_000, 'the thirteen deadlines to fire')
      await sleep(600)
      expect(burst.seen).to.deep.equal(['collected', 'fired', 'fired', 'fired', 'fired', 'fired'])
      expect(burst.scheduler.stats.collections).to.equal(1)
      expect(few.seen).to.deep.equal(['fired', 'fired', 'fired'])
      expect(many.seen).to.deep.equal(['fired', 'fired', 'fired', 'fired', 'fired'])
      expect(few.scheduler.stats.collections + many.scheduler.stats.collections).to.equal(0)
    } finally {
      for (const { scheduler } of all) await scheduler.stop()
    }
  })

  it('keeps exactly the timers the room needs armed in process through pause, resume and the end', async () => {
    const user = await newUser('rt')
    const roomId = newRoomId()
    const runtime = newRuntime()
    // Armed as start() arms them, without its poll: rooms of other tests must not count here.
    const scheduler = newScheduler(runtime, 60_000)
    runtime.on('appended', ({ roomId: id, timers }) => scheduler.arm(id, timers))
    try {
      await runtime.execute(roomId, openCommand(roomId, user.id, [phase(1, 10), phase(2, 10)], 0.5))
      const armed = [scheduler.armedCount]
      for (const type of ['startTimer', 'pauseTimer', 'resumeTimer', 'pauseTimer', 'resumeTimer', 'skipPhase', 'endInterview'] as const) {
        await runtime.execute(roomId, { type })
        armed.push(scheduler.armedCount)
      }
      // A deadline and a warning while the clock runs, none while paused or once it has ended.
      expect(armed).to.deep.equal([0, 2, 0, 2, 0, 2, 2, 0])
    } finally {
      await scheduler.stop()
    }
  })

  it('serves more rooms than its cache holds, reading the ones it forgot from the store', async () => {
    const user = await newUser('rt')
    const runtime = newRuntime(undefined, { cacheSize: 2 })
    const rooms = Array.from({ length: 5 }, () => newRoomId())
    for (const roomId of rooms) await runtime.execute(roomId, openCommand(roomId, user.id, [phase(1, 10)]))
    const versions: number[] = []
    for (const type of ['startTimer', 'pauseTimer', 'resumeTimer'] as const) {
      for (const roomId of rooms) versions.push((await runtime.execute(roomId, { type })).version)
    }
    expect(versions).to.deep.equal([...rooms.map(() => 2), ...rooms.map(() => 3), ...rooms.map(() => 4)])
    for (const roomId of rooms) expect((await stream(roomId)).map((e) => e.type)).to.deep.equal(['room_opened', 'phase_started', 'timer_paused', 'timer_resumed'])
    expect(await runtime.ownerOf(rooms[0]!)).to.equal(user.id)
  })

  it('keeps a paused room frozen across a restart', async () => {
    const { roomId, runtime } = await openRoom()
    await runtime.execute(roomId, { type: 'startTimer' })
    await sleep(300)
    const paused = await runtime.execute(roomId, { type: 'pauseTimer' })
    const remaining = paused.snapshot.context.remaining_ms
    await sleep(700)
    const reloaded = await newRuntime('restarted').load(roomId)
    const status = roomStatus(reloaded.snapshot, new Date())
    expect(status.state).to.equal('paused')
    expect(status.timer_status.remaining_time_seconds).to.equal(Math.round(remaining / 100) / 10)
    expect(remaining).to.be.within(29_000, 29_800)
  })

  it('sees facts appended by another runtime before deciding (its cache is only a cache)', async () => {
    const { roomId, runtime } = await openRoom()
    await runtime.execute(roomId, { type: 'startTimer' })
    await newRuntime('other').execute(roomId, { type: 'pauseTimer' })
    const resumed = await runtime.execute(roomId, { type: 'resumeTimer' })
    expect(resumed.facts.map((f) => f.type)).to.deep.equal(['timer_resumed'])
    expect(resumed.version).to.equal(4)
  })

  it('decides again on the stored room when its cached room was behind (no fact from a stale cache)', async () => {
    const { roomId, runtime } = await openRoom()
    await runtime.execute(roomId, { type: 'startTimer' })
    await newRuntime('other').execute(roomId, { type: 'pauseTimer' })
    const error = await runtime.execute(roomId, { type: 'pauseTimer' }).catch((e: unknown) => e)
    expect(error).to.be.instanceOf(CommandRefused)
    expect((error as CommandRefused).message).to.match(/paused/)
    expect((await stream(roomId)).map((e) => e.type)).to.deep.equal(['room_opened', 'phase_started', 'timer_paused'])
  })

  it('keeps exactly the timers the state of the room needs, written in the same transaction as its facts', async () => {
    const user = await newUser('rt')
    const roomId = newRoomId()
    const runtime = newRuntime()
    const timers = async () =>
      (await ctx().database.db.selectFrom('room_timers').select(['kind', 'sequence', 'due_at']).where('room_id', '=', roomId).orderBy('kind').execute()).map((t) => [
        t.kind,
        t.sequence,
        t.due_at.toISOString(),
      ])
    await runtime.execute(roomId, openCommand(roomId, user.id, [phase(1, 10), phase(2, 10)], 0.5))
    expect(await timers()).to.deep.equal([])
    const started = await runtime.execute(roomId, { type: 'startTimer' })
    const deadline = started.snapshot.context.deadline!
    expect(await timers()).to.deep.equal([
      ['deadline', 1, deadline],
      ['warning', 1, new Date(Date.parse(deadline) - 5 * 60_000).toISOString()],
    ])
    await runtime.execute(roomId, { type: 'pauseTimer' })
    expect(await timers()).to.deep.equal([])
    await runtime.execute(roomId, { type: 'resumeTimer' })
    const skipped = await runtime.execute(roomId, { type: 'skipPhase' })
    expect((await timers()).filter(([kind]) => kind === 'deadline')).to.deep.equal([['deadline', 2, skipped.snapshot.context.deadline!]])
    await runtime.execute(roomId, { type: 'endInterview' })
    expect(await timers()).to.deep.equal([])
  })
})
