import { allStates, allTransitions, type MachineDefinition, type StateDefinition, type TransitionDefinition } from './machine-definition'

const SCXML_NS = 'http://www.w3.org/2005/07/scxml'
/** What SCXML has no place for (descriptions, tags, action names) goes in attributes of our own namespace, which SCXML tools ignore. */
export const EXTRA_NS = 'urn:mock-interview-api:statechart'

const escape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\n/g, '&#10;')

/** A state's SCXML id: its dotted path (the machine's id for the root), made a valid XML name. */
export function scxmlId(state: Pick<StateDefinition, 'path' | 'id'>): string {
  const id = (state.path || state.id).replace(/[^A-Za-z0-9_.-]/g, '_')
  return /^[A-Za-z_]/.test(id) ? id : `_${id}`
}

function attributes(pairs: [string, string | null | undefined][]): string {
  return pairs
    .filter((pair): pair is [string, string] => pair[1] !== null && pair[1] !== undefined && pair[1] !== '')
    .map(([name, value]) => ` ${name}="${escape(value)}"`)
    .join('')
}

/** The text as an ECMAScript identifier: other characters become `_`. */
const identifier = (text: string): string => `${/^[A-Za-z_$]/.test(text) ? '' : '_'}${text.replace(/[^A-Za-z0-9_$]/g, '_')}`

/**
 * Each guard a transition uses as an ECMAScript identifier (a `<data>` id a `cond` can name),
 * unique in the document, keyed by the guard's name.
 */
export function guardVariables(definition: MachineDefinition): Map<string, string> {
  const out = new Map<string, string>()
  const taken = new Set<string>()
  for (const guard of allTransitions(definition).map((t) => t.guard)) {
    if (guard === null || out.has(guard)) continue
    const base = identifier(guard)
    let name = base
    for (let i = 2; taken.has(name); i++) name = `${base}_${i}`
    taken.add(name)
    out.set(guard, name)
  }
  return out
}

/**
 * W3C SCXML for the machine, runnable by an SCXML interpreter. Each guard is a boolean in the
 * `<datamodel>` (true unless set) that its transitions' `cond` names: a simulator sets it to
 * what the guard would answer (the guards read the machine's context, which SCXML does not
 * carry). Nested states keep their nesting.
 */
export function toScxml(definition: MachineDefinition): string {
  const byId = new Map(allStates(definition).map((s) => [s.id, s]))
  const guards = guardVariables(definition)
  const idOf = (stateId: string) => scxmlId(byId.get(stateId)!)
  const root = definition.root
  // <scxml> cannot hold transitions: a machine with its own becomes one top-level state.
  const wrap = root.transitions.length > 0
  const head = attributes([
    ['xmlns', SCXML_NS],
    ['xmlns:mi', EXTRA_NS],
    ['version', '1.0'],
    ['datamodel', 'ecmascript'],
    // Interpreters compile the name into code (SCION makes it a function name): an identifier runs anywhere.
    ['name', identifier(definition.id)],
    ['mi:id', identifier(definition.id) === definition.id ? null : definition.id],
    ['initial', wrap ? scxmlId(root) : root.initial ? idOf(root.initial) : null],
    ['mi:description', root.description],
  ])
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<scxml${head}>`]
  if (guards.size > 0) {
    lines.push('  <datamodel>')
    for (const [guard, variable] of guards) lines.push(`    <data${attributes([['id', variable], ['expr', 'true'], ['mi:guard', guard === variable ? null : guard]])}/>`)
    lines.push('  </datamodel>')
  }
  const write = (state: StateDefinition) => writeState(state, 1, lines, { idOf, byId, guards })
  if (wrap) write(root)
  else root.states.forEach(write)
  lines.push('</scxml>', '')
  return lines.join('\n')
}

interface Names {
  idOf: (id: string) => string
  byId: Map<string, StateDefinition>
  guards: Map<string, string>
}

function writeState(state: StateDefinition, depth: number, lines: string[], names: Names): void {
  const pad = '  '.repeat(depth)
  const tag = state.type === 'final' ? 'final' : state.type === 'parallel' ? 'parallel' : state.type === 'history' ? 'history' : 'state'
  const attrs = attributes([
    ['id', scxmlId(state)],
    ['initial', state.initial ? names.idOf(state.initial) : null],
    ['mi:description', state.description],
    ['mi:tags', state.tags.join(' ')],
  ])
  const inner = state.transitions.map((t) => transitionLine(t, state, names))
  if (inner.length === 0 && state.states.length === 0) {
    lines.push(`${pad}<${tag}${attrs}/>`)
    return
  }
  lines.push(`${pad}<${tag}${attrs}>`)
  for (const line of inner) lines.push(`${pad}  ${line}`)
  for (const child of state.states) writeState(child, depth + 1, lines, names)
  lines.push(`${pad}</${tag}>`)
}

function transitionLine(t: TransitionDefinition, source: StateDefinition, { idOf, byId, guards }: Names): string {
  // SCXML re-enters by default; xstate does not when the target lies inside the source.
  const inside = t.targets.length > 0 && t.targets.every((id) => isDescendant(byId, id, source.id))
  const attrs = attributes([
    ['event', t.event],
    ['cond', t.guard === null ? null : guards.get(t.guard)],
    ['mi:guard', t.guard !== null && guards.get(t.guard) !== t.guard ? t.guard : null],
    ['target', t.targets.map(idOf).join(' ')],
    ['type', inside && !t.reenter ? 'internal' : null],
    ['mi:actions', t.actions.join(' ')],
    ['mi:description', t.description],
  ])
  return `<transition${attrs}/>`
}

function isDescendant(byId: Map<string, StateDefinition>, id: string, ancestorId: string): boolean {
  for (let parent = byId.get(id)?.parent; parent; parent = byId.get(parent)?.parent) if (parent === ancestorId) return true
  return false
}
