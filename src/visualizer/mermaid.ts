import { allStates, allTransitions, type MachineDefinition, type StateDefinition, type TransitionDefinition } from './machine-definition'

/** Text Mermaid would otherwise read as syntax (`;` ends a statement, `:` starts a label) as entity codes. */
const text = (value: string): string => value.replace(/[\r\n]+/g, ' ').replace(/[;:#{}]/g, (c) => `#${c.charCodeAt(0)};`)

/** A transition's label: `event [guard]`. */
export const transitionLabel = (t: Pick<TransitionDefinition, 'event' | 'guard'>): string => `${t.event ?? 'always'}${t.guard ? ` [${t.guard}]` : ''}`

/**
 * Mermaid `stateDiagram-v2`: compound states as nested blocks, `[*]` for initial and final
 * markers, each transition labelled `event [guard]` (a targetless one as a self-loop).
 * Mermaid draws one edge per pair of states, so the transitions between one pair become one edge
 * carrying every label, one per line. Descriptions and tags are comments: written as
 * `state : text`, Mermaid would show the description in place of the state's name.
 */
export function toMermaid(definition: MachineDefinition): string {
  const states = allStates(definition).filter((s) => s.id !== definition.root.id)
  const names = mermaidNames(states)
  const byId = new Map(allStates(definition).map((s) => [s.id, s]))
  // Each transition is written in the block of the innermost state that holds both of its ends.
  const byBlock = new Map<string, TransitionDefinition[]>()
  for (const t of allTransitions(definition)) {
    const block = container(byId, t.source, t.targets.length ? t.targets : [t.source], definition.root.id)
    byBlock.set(block, [...(byBlock.get(block) ?? []), t])
  }
  const lines = ['stateDiagram-v2']
  if (definition.description) lines.push(`  %% ${definition.id}: ${comment(definition.description)}`)
  // Transitions on the machine itself need a box to leave from: the machine becomes one outer state.
  if (definition.root.transitions.length > 0) {
    names.set(definition.root.id, safeName(definition.id))
    lines.push(`  state ${safeName(definition.id)} {`)
    writeBlock(definition.root, 2, lines, names, byBlock)
    lines.push('  }')
  } else {
    writeBlock(definition.root, 1, lines, names, byBlock)
  }
  return `${lines.join('\n')}\n`
}

function writeBlock(
  block: StateDefinition,
  depth: number,
  lines: string[],
  names: Map<string, string>,
  byBlock: Map<string, TransitionDefinition[]>,
): void {
  const pad = '  '.repeat(depth)
  const name = (id: string) => names.get(id) ?? '[*]'
  if (block.initial) lines.push(`${pad}[*] --> ${name(block.initial)}`)
  for (const [i, child] of block.states.entries()) {
    // Mermaid separates the regions of a parallel state with `--`.
    if (block.type === 'parallel' && i > 0) lines.push(`${pad}--`)
    const id = names.get(child.id)!
    // Declared even when no transition names it, so every state is drawn.
    if (id !== child.key) lines.push(`${pad}state "${text(child.key)}" as ${id}`)
    else if (!child.states.length) lines.push(`${pad}${id}`)
    if (child.states.length) {
      lines.push(`${pad}state ${id} {`)
      writeBlock(child, depth + 1, lines, names, byBlock)
      lines.push(`${pad}}`)
    }
    if (child.description) lines.push(`${pad}%% ${id}: ${comment(child.description)}`)
    if (child.tags.length) lines.push(`${pad}%% ${id} tags: ${child.tags.join(', ')}`)
    if (child.type === 'final') lines.push(`${pad}${id} --> [*]`)
  }
  for (const [[from, to], labels] of edges(byBlock.get(block.id) ?? [])) {
    lines.push(`${pad}${name(from)} --> ${name(to)} : ${labels.map((label) => text(label)).join('<br/>')}`)
  }
}

/** The transitions of a block grouped by (source, target), in order of first appearance, with their labels. */
export function edges(transitions: TransitionDefinition[]): Map<[string, string], string[]> {
  const byPair = new Map<string, { pair: [string, string]; labels: string[] }>()
  for (const t of transitions) {
    for (const target of t.targets.length ? t.targets : [t.source]) {
      const key = `${t.source}\u0000${target}`
      const edge = byPair.get(key) ?? { pair: [t.source, target], labels: [] }
      edge.labels.push(transitionLabel(t))
      byPair.set(key, edge)
    }
  }
  return new Map([...byPair.values()].map((e) => [e.pair, e.labels]))
}

const comment = (value: string): string => value.replace(/[\r\n]+/g, ' ')

const safeName = (value: string): string => value.replace(/\./g, '__').replace(/[^A-Za-z0-9_]/g, '_')

/** State keys where they are unique in the machine (Mermaid names are global), else the path with `__`. */
function mermaidNames(states: StateDefinition[]): Map<string, string> {
  const count = new Map<string, number>()
  for (const s of states) count.set(s.key, (count.get(s.key) ?? 0) + 1)
  return new Map(states.map((s) => [s.id, count.get(s.key) === 1 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(s.key) ? s.key : safeName(s.path)]))
}

/** The innermost state that is a proper ancestor of every given state. */
function container(byId: Map<string, StateDefinition>, source: string, targets: string[], rootId: string): string {
  const ancestors = (id: string): string[] => {
    const out: string[] = []
    for (let p = byId.get(id)?.parent; p; p = byId.get(p)?.parent) out.push(p)
    return out
  }
  const common = [source, ...targets].map(ancestors).reduce((a, b) => a.filter((id) => b.includes(id)))
  return common[0] ?? rootId
}
