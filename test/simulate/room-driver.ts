import { randomUUID } from 'node:crypto'
import { CommandRefused, publicCommands, type Phase, type RoomCommand } from '../../machines/interview-room'
import { RoomRuntime } from '../../src/rooms/room-runtime'
import { deleteTimer } from '../../src/rooms/room.repository'
import { ctx } from '../support/context'
import { seededRandom, type SeededRandom } from '../support/random'
import { openCommand, phase, quietLogger } from '../support/runtime'

/**
 * Far in the future, so the test service's own timer poll never finds these rooms' timer rows due:
 * only the driver below fires them, at exactly their due time.
 */
const FUTURE = Date.parse('2100-01-01T00:00:00.000Z')

/** A command a real room received: when, the room's version just before it, and its refusal if any. */
export interface Received {
  at: number
  versionBefore: number
  command: RoomCommand
  refused: { state: string; allowed_commands: string[]; message: string } | null
}

export interface DrivenRoom {
  roomId: string
  seed: number
  openedAt: number
  received: Received[]
  /** The time the run ended (timers due by then have fired). */
  endedAt: number
}

/**
 * Opens a room for `ownerId` and sends it random commands through a real runtime on the test
 * database whose clock the driver sets. Between commands the clock moves on, and every timer row
 * the runtime wrote that comes due is fired at its due time as the scheduler does (a timerDue
 * command through the runtime), so every fact is stored as a punctual service would store it.
 */
export async function driveRoom(seed: number, ownerId: string): Promise<DrivenRoom> {
  const rnd = seededRandom(seed)
  const db = ctx().database.db
  let now = FUTURE + seed * 86_400_000
  const runtime = new RoomRuntime({ db, clock: () => new Date(now), logger: quietLogger, node: `sim-driver-${seed}`, snapshotEvery: 5 })
  const roomId = `sim-${seed}-${randomUUID().slice(0, 8)}`
  const phases: Phase[] = Array.from({ length: 1 + rnd.int(3) }, (_, i) => phase(i * 10 + rnd.int(5), rnd.pick([3, 20, 45, 90]) / 60))
  const warning = rnd.pick([0.8, 0.5, null])
  const openedAt = now
  await runtime.execute(roomId, openCommand(roomId, ownerId, phases, warning))

  const fireDue = async (until: number) => {
    for (;;) {
      const row = await db.selectFrom('room_timers').selectAll().where('room_id', '=', roomId).orderBy('due_at').limit(1).executeTakeFirst()
      if (!row || row.due_at.getTime() > until) return
      now = Math.max(now, row.due_at.getTime())
      const timer = { kind: row.kind as 'deadline' | 'warning', sequence: row.sequence, due_at: row.due_at.toISOString() }
      const result = await runtime.execute(roomId, { type: 'timerDue', ...timer })
      if (result.facts.length === 0) await deleteTimer(db, roomId, timer.kind, timer.due_at)
    }
  }

  const received: Received[] = []
  const count = 5 + rnd.int(20)
  for (let i = 0; i < count; i++) {
    const target = now + rnd.pick([0, 1_000, rnd.int(30_000), rnd.int(120_000)])
    await fireDue(target)
    now = target
    const command = randomCommand(rnd)
    const versionBefore = (await runtime.load(roomId)).version
    try {
      await runtime.execute(roomId, command)
      received.push({ at: now, versionBefore, command, refused: null })
    } catch (error) {
      if (!(error instanceof CommandRefused)) throw error
      received.push({ at: now, versionBefore, command, refused: { state: error.state, allowed_commands: publicCommands(error.allowed), message: error.message } })
    }
  }
  const endedAt = now + rnd.int(200_000)
  await fireDue(endedAt)
  return { roomId, seed, openedAt, received, endedAt }
}

function randomCommand(rnd: SeededRandom): RoomCommand {
  const roll = rnd.next()
  if (roll < 0.06) return { type: 'endInterview' }
  if (roll < 0.12) return { type: 'injectProblem', problem_id: randomUUID(), problem_text: `problem ${rnd.int(100)}`, problem_type: rnd.pick([null, 'algorithm']), difficulty: rnd.pick([null, 'hard']) }
  if (roll < 0.16) return { type: 'injectContext', context_id: randomUUID(), context_text: `context ${rnd.int(100)}`, context_type: rnd.pick([null, 'hint']) }
  return rnd.pick<RoomCommand>([
    { type: 'startTimer' },
    { type: 'startTimer' },
    { type: 'pauseTimer' },
    { type: 'pauseTimer' },
    { type: 'resumeTimer' },
    { type: 'resetTimer', scope: 'phase' },
    { type: 'resetTimer', scope: 'interview' },
    { type: 'skipPhase' },
  ])
}

/** A received command as a simulation step (the API's field names, nulls left out). */
function asStep(command: RoomCommand): unknown {
  const fields = Object.fromEntries(Object.entries(command).filter(([, v]) => v !== null))
  return Object.keys(fields).length === 1 ? command.type : fields
}

const seconds = (ms: number) => `advance:${ms / 1000}`

/**
 * The steps that repeat what the room received after `version` (whose fact happened at `from`):
 * each command at its time, with the clock advanced to it first, then to the end of the run.
 */
export function stepsAfter(room: DrivenRoom, version: number, from: number): unknown[] {
  const steps: unknown[] = []
  let clock = from
  for (const r of room.received.filter((r) => r.versionBefore >= version)) {
    if (r.at > clock) steps.push(seconds(r.at - clock))
    clock = Math.max(clock, r.at)
    steps.push(asStep(r.command))
  }
  if (room.endedAt > clock) steps.push(seconds(room.endedAt - clock))
  return steps
}
