import { createActor, initialTransition, type ActorScope, type EventFromLogic, type SnapshotFrom } from 'xstate'
import { interviewRoomMachine } from './machine'
import type { RoomFact } from './facts'
import { emptyContext, type RoomContext } from './context'
import { MACHINE_VERSION } from './version'

export type RoomSnapshot = SnapshotFrom<typeof interviewRoomMachine>
export type RoomState = 'unopened' | 'ready' | 'running' | 'paused' | 'completed'

export const initialRoomSnapshot = (): RoomSnapshot => initialTransition(interviewRoomMachine)[0]

/** The room's state as one word. */
export function roomState(snapshot: RoomSnapshot): RoomState {
  // Read off the state value: `snapshot.matches` builds paths and walks them (4 KB a command, as
  // the runtime asks this several times per command), for a value this small.
  const value = snapshot.value as Exclude<RoomState, 'running' | 'paused'> | { in_progress: 'running' | 'paused' }
  return typeof value === 'string' ? value : value.in_progress
}

/** The machine's state value as a dotted path ("in_progress.running"), as the visualizer names it. */
export function stateValuePath(snapshot: RoomSnapshot): string {
  const value = snapshot.value as string | Record<string, string>
  if (typeof value === 'string') return value
  const [parent, child] = Object.entries(value)[0]!
  return `${parent}.${child}`
}

/** Applies one fact; a fact the state does not accept is an error (the store never holds one). */
export function applyFact(snapshot: RoomSnapshot, fact: RoomFact): RoomSnapshot {
  if (!snapshot.can(fact)) throw new Error(`fact ${fact.type} is not accepted in state ${stateValuePath(snapshot)}`)
  return applyAccepted(snapshot, fact)
}

/** Applies a fact the caller has just seen the state accept (`snapshot.can(fact)`). */
export function applyAccepted(snapshot: RoomSnapshot, fact: RoomFact): RoomSnapshot {
  return interviewRoomMachine.transition(snapshot, fact, inertScope())
}

type RoomScope = ActorScope<RoomSnapshot, EventFromLogic<typeof interviewRoomMachine>>
let scope: RoomScope | undefined

/**
 * One inert actor scope for every transition. xstate's `transition()` builds a new actor, and with
 * it the machine's initial snapshot, on every call: most of the cost of applying a fact. This
 * machine only assigns context (no children, no delays, no actions to run), so nothing in a scope
 * outlives a transition and one scope serves them all, as xstate's own inert scope would.
 */
function inertScope(): RoomScope {
  if (!scope) {
    const self = createActor(interviewRoomMachine)
    scope = { self, defer: () => {}, id: '', logger: () => {}, sessionId: '', stopChild: () => {}, system: self.system, emit: () => {}, actionExecutor: () => {} }
  }
  return scope
}

/** Folds facts through the machine: the same code the live runtime uses. */
export function foldFacts(facts: Iterable<RoomFact>, from: RoomSnapshot = initialRoomSnapshot()): RoomSnapshot {
  let snapshot = from
  for (const fact of facts) snapshot = applyFact(snapshot, fact)
  return snapshot
}

/** Rebuilds a snapshot from its persisted form (cached or stored every K events). */
export function restoreSnapshot(persisted: unknown): RoomSnapshot {
  const { value, context } = persisted as { value: unknown; context: Partial<RoomContext> }
  // Snapshots stored before a context field existed get its empty value.
  return interviewRoomMachine.resolveState({ value, context: { ...emptyContext(), ...context } } as Parameters<typeof interviewRoomMachine.resolveState>[0])
}

/** The persisted form of a snapshot, with the version of the machine that made it. */
export function persistSnapshot(snapshot: RoomSnapshot): { machine_version: number; value: unknown; context: unknown } {
  return { machine_version: MACHINE_VERSION, value: snapshot.value, context: snapshot.context }
}

/** The machine version a persisted snapshot was made by (null: before snapshots recorded it). */
export const snapshotMachineVersion = (persisted: unknown): number | null => {
  const version = (persisted as { machine_version?: unknown } | null)?.machine_version
  return typeof version === 'number' ? version : null
}

/**
 * The persisted snapshot restored, if this machine version made it; otherwise undefined, and the
 * caller rebuilds the room from its facts. Another version's snapshot is never restored as is.
 */
export function restorableSnapshot(persisted: unknown): RoomSnapshot | undefined {
  return snapshotMachineVersion(persisted) === MACHINE_VERSION ? restoreSnapshot(persisted) : undefined
}
