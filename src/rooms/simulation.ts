import {
  CommandRefused,
  ALLOWED_COMMANDS,
  decide,
  dueTimers,
  foldFacts,
  publicCommands,
  roomState,
  roomStatus,
  stateValuePath,
  type DueTimer,
  type RoomCommand,
  type RoomSnapshot,
} from '../../machines/interview-room'
import { ValidationError } from '../http/errors'
import { factEntry, type FactEntry } from './replay'
import { refusalError } from './refusal'

/** A command as a user may send it, or `advance`: the virtual clock moves on and due timers fire. */
export type SimulationStep = { type: 'advance'; seconds: number } | Exclude<RoomCommand, { type: 'openRoom' | 'timerDue' | 'connectPeer' | 'disconnectPeer' | 'recordCandidateMessage' | 'recordBotMessage' | 'saveRecording' }>

export interface SimulationLimits {
  /** Virtual seconds all the steps may advance in all. */
  totalSeconds: number
  /** Facts the whole simulation may produce. */
  facts: number
}

/** The room at a point of the simulation: what the status endpoints and the history would say. */
export interface SimulatedPoint {
  at: string
  version: number
  state: string
  state_value: string
  status: ReturnType<typeof roomStatus>['timer_status']
  /** The commands a user may send now. */
  allowed_commands: string[]
  /** The durable timers the runtime would have armed now. */
  timers: DueTimer[]
  /** The facts this point's step produced, each with the state and status after it. */
  facts: FactEntry[]
}

export interface SimulatedStep extends SimulatedPoint {
  index: number
  step: SimulationStep
  /** The 409 the API would answer for this command (nothing changed), or null. */
  refused: { code: string; message: string; details: unknown } | null
}

export interface SimulationStart {
  snapshot: RoomSnapshot
  version: number
  at: Date
  /** A command run first (opening a room from a plan): its facts are the start's. */
  opening?: RoomCommand
}

/**
 * Runs steps on a room in memory with the runtime's own pieces: `decide` turns each command into
 * facts, the machine folds them, `dueTimers` says which durable timers would be armed, and an
 * `advance` fires them in due order as `timerDue` commands at their deadlines, as the scheduler
 * would on time. Nothing is read or written; the steps' facts are numbered after the start's version.
 */
export function simulateRoom(start: SimulationStart, steps: SimulationStep[], limits: SimulationLimits): { start: SimulatedPoint; steps: SimulatedStep[] } {
  const seconds = steps.reduce((sum, s) => sum + (s.type === 'advance' ? s.seconds : 0), 0)
  if (seconds > limits.totalSeconds) {
    throw new ValidationError('The steps advance the clock too far', [{ path: 'body.steps', message: `advance at most ${limits.totalSeconds} seconds in all (these: ${seconds})` }])
  }
  const room = { snapshot: start.snapshot, version: start.version, now: start.at.getTime(), produced: 0 }

  /** Decides one command at the virtual now and folds its facts, as the runtime's commit does. */
  const run = (command: RoomCommand, index: number | null): FactEntry[] => {
    const facts = decide(room.snapshot, command, new Date(room.now))
    room.produced += facts.length
    if (room.produced > limits.facts) {
      throw new ValidationError('The simulation produces too many facts', [{ path: index === null ? 'body' : `body.steps.${index}`, message: `a simulation may produce at most ${limits.facts} facts` }])
    }
    return facts.map((fact) => {
      room.snapshot = foldFacts([fact], room.snapshot)
      room.version++
      return factEntry(room.version, fact, room.snapshot)
    })
  }

  /** Moves the clock to `until`, firing every timer due by then at its due time, earliest first. */
  const advance = (until: number, index: number): FactEntry[] => {
    const fired: FactEntry[] = []
    for (;;) {
      const next = dueTimers(room.snapshot).sort((a, b) => a.due_at.localeCompare(b.due_at))[0]
      if (!next || Date.parse(next.due_at) > until) break
      room.now = Math.max(room.now, Date.parse(next.due_at))
      const facts = run({ type: 'timerDue', kind: next.kind, sequence: next.sequence, due_at: next.due_at }, index)
      // A timer the room ignores is dropped, as the scheduler drops a stale row.
      if (facts.length === 0) break
      fired.push(...facts)
    }
    room.now = until
    return fired
  }

  const point = (facts: FactEntry[]): SimulatedPoint => {
    const state = roomState(room.snapshot)
    return {
      at: new Date(room.now).toISOString(),
      version: room.version,
      state,
      state_value: stateValuePath(room.snapshot),
      status: roomStatus(room.snapshot, new Date(room.now)).timer_status,
      allowed_commands: publicCommands(ALLOWED_COMMANDS[state]),
      timers: dueTimers(room.snapshot),
      facts,
    }
  }

  const opened = start.opening ? run(start.opening, null) : []
  const startPoint = point(opened)
  const results = steps.map((step, index): SimulatedStep => {
    if (step.type === 'advance') return { index, step, refused: null, ...point(advance(room.now + Math.round(step.seconds * 1000), index)) }
    try {
      return { index, step, refused: null, ...point(run(step, index)) }
    } catch (error) {
      if (!(error instanceof CommandRefused)) throw error
      const refusal = refusalError(error)
      return { index, step, refused: { code: refusal.code, message: refusal.message, details: refusal.details }, ...point([]) }
    }
  })
  return { start: startPoint, steps: results }
}
