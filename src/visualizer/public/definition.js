/** Reading a machine definition (GET /api/machines/{id}) in the page: lookups, active states, taken transitions. */

/** Indexes a definition: states by id and by path, transitions by id, each state's depth. */
export function indexDefinition(definition) {
  const states = new Map()
  const byPath = new Map()
  const transitions = new Map()
  const depth = new Map()
  const visit = (state, d) => {
    states.set(state.id, state)
    byPath.set(state.path, state)
    depth.set(state.id, d)
    for (const t of state.transitions) transitions.set(t.id, t)
    for (const child of state.states) visit(child, d + 1)
  }
  visit(definition.root, 0)
  return { definition, states, byPath, transitions, depth }
}

/** A state and its ancestors, innermost first. */
export function lineage(index, id) {
  const out = []
  for (let s = index.states.get(id); s; s = s.parent ? index.states.get(s.parent) : undefined) out.push(s.id)
  return out
}

/**
 * The ids of the states a state value makes active: a dotted path ("in_progress.running") or an
 * xstate state value object, each leaf with its ancestors. Unknown names are ignored.
 */
export function activeStates(index, value) {
  const active = new Set()
  const leaves = []
  const walk = (prefix, v) => {
    if (typeof v === 'string') leaves.push(prefix ? `${prefix}.${v}` : v)
    else if (v && typeof v === 'object') for (const [key, child] of Object.entries(v)) walk(prefix ? `${prefix}.${key}` : key, child)
  }
  walk('', value)
  for (const path of leaves) {
    const state = index.byPath.get(path)
    if (state) for (const id of lineage(index, state.id)) active.add(id)
  }
  if (active.size === 0) active.add(index.definition.root.id)
  return active
}

/** The active states before any event: the initial states, all the way down. */
export function initialStates(index) {
  const active = new Set()
  const enter = (state) => {
    active.add(state.id)
    if (state.type === 'parallel') state.states.forEach(enter)
    else if (state.initial) enter(index.states.get(state.initial))
  }
  enter(index.definition.root)
  return active
}

/**
 * The transition an event took, given the active states before and after it. The page cannot run
 * guards, so it does what the machine does — innermost source first — and keeps the candidate
 * whose targets (or, for a targetless one, unchanged states) match what came after.
 */
export function takenTransition(index, before, event, after) {
  const candidates = [...index.transitions.values()]
    .filter((t) => t.event === event && before.has(t.source))
    .sort((a, b) => index.depth.get(b.source) - index.depth.get(a.source))
  const same = before.size === after.size && [...before].every((id) => after.has(id))
  return candidates.find((t) => (t.targets.length ? t.targets.every((id) => after.has(id)) : same)) ?? null
}
