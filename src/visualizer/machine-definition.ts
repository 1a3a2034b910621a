import type { AnyStateMachine, AnyStateNode } from 'xstate'

/** One transition of a state node, as the exports and the visualizer describe it. */
export interface TransitionDefinition {
  /** Unique in the machine: `<source id>:<event>:<index>`. */
  id: string
  /** The state node id it leaves from. */
  source: string
  /** The event type; null for an eventless (`always`) transition. */
  event: string | null
  guard: string | null
  /** State node ids; empty for a targetless transition (actions only, no state change). */
  targets: string[]
  /** Exits and re-enters its source even when the target is the source or a descendant. */
  reenter: boolean
  actions: string[]
  description: string | null
}

export interface StateDefinition {
  /** xstate's state node id (`interview-room.in_progress.running`). */
  id: string
  key: string
  /** The keys from the root, dotted (`in_progress.running`), as a state value names it; '' for the root. */
  path: string
  parent: string | null
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history'
  /** The id of the initial child of a compound state. */
  initial: string | null
  description: string | null
  tags: string[]
  transitions: TransitionDefinition[]
  states: StateDefinition[]
}

export interface MachineDefinition {
  id: string
  description: string | null
  root: StateDefinition
  /** Every event type some state accepts, in the order the machine declares them. */
  events: string[]
  /** Every guard the machine implements, used by a transition or not. */
  guards: string[]
  actions: string[]
}

/** The definition of a machine, read from the machine object itself: it cannot drift from the code. */
export function describeMachine(machine: AnyStateMachine): MachineDefinition {
  const root = describeState(machine.root, null)
  return {
    id: machine.id,
    description: machine.root.description ?? null,
    root,
    events: [...machine.events].filter((e) => e !== ''),
    guards: Object.keys(machine.implementations.guards),
    actions: Object.keys(machine.implementations.actions),
  }
}

function describeState(node: AnyStateNode, parent: string | null): StateDefinition {
  const transitions: TransitionDefinition[] = []
  for (const [event, list] of node.transitions) list.forEach((t, i) => transitions.push(describeTransition(node, event, t, i)))
  for (const [i, t] of (node.always ?? []).entries()) transitions.push(describeTransition(node, null, t, i))
  return {
    id: node.id,
    key: node.key,
    path: node.path.join('.'),
    parent,
    type: node.type,
    initial: node.type === 'compound' ? (node.initial?.target[0]?.id ?? null) : null,
    description: node.description ?? null,
    tags: [...node.tags],
    transitions,
    states: Object.values(node.states).map((child) => describeState(child, node.id)),
  }
}

type AnyTransition = AnyStateNode['transitions'] extends Map<string, (infer T)[]> ? T : never

function describeTransition(node: AnyStateNode, event: string | null, t: AnyTransition, index: number): TransitionDefinition {
  return {
    id: `${node.id}:${event ?? 'always'}:${index}`,
    source: node.id,
    event,
    guard: t.guard === undefined ? null : implementationName(t.guard),
    targets: (t.target ?? []).map((target: AnyStateNode) => target.id),
    reenter: t.reenter,
    actions: (t.actions ?? []).map(implementationName),
    description: (t as { description?: string }).description ?? null,
  }
}

/** A guard or action as written: its name, its `type`, or the name of an inline function. */
function implementationName(impl: unknown): string {
  if (typeof impl === 'string') return impl
  if (typeof impl === 'function') return (impl as { type?: string }).type ?? (impl.name || 'inline')
  if (impl && typeof impl === 'object' && 'type' in impl) return String((impl as { type: unknown }).type)
  return 'inline'
}

/** Every state of the definition, parents before their children. */
export function allStates(definition: MachineDefinition): StateDefinition[] {
  const out: StateDefinition[] = []
  const visit = (state: StateDefinition) => {
    out.push(state)
    state.states.forEach(visit)
  }
  visit(definition.root)
  return out
}

export const allTransitions = (definition: MachineDefinition): TransitionDefinition[] => allStates(definition).flatMap((s) => s.transitions)
