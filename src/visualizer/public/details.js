/** The details panel: what a clicked state or transition is, and the facts that lead there. */
import { el, facts, show } from './dom.js'
import { transitionLabel } from './layout.js'

const stateName = (index, id) => index.states.get(id)?.path || index.states.get(id)?.id || id

/**
 * Shows a state or a transition. `seen(kind, id)` may return the versions (in the loaded history)
 * where it was reached or taken, each a button that calls `jump(version)`.
 */
export function showDetails(panel, index, selection, { seen, jump } = {}) {
  if (!selection) return show(panel, el('p', { class: 'hint' }, 'Click a state or a transition to see its description, guards and the facts that lead there.'))
  const content = selection.kind === 'state' ? stateDetails(index, selection.id) : transitionDetails(index, selection.id)
  const versions = seen?.(selection.kind, selection.id)
  if (versions) content.push(occurrences(versions, jump))
  show(panel, content)
}

function stateDetails(index, id) {
  const state = index.states.get(id)
  const incoming = [...index.transitions.values()].filter((t) => t.targets.some((target) => target === id || isInside(index, target, id)))
  const outgoing = state.transitions
  return [
    el('h3', {}, state.path || state.id),
    facts([
      ['Type', state.type],
      ['Description', state.description],
      ['Tags', state.tags.join(', ')],
      ['Initial', state.initial ? stateName(index, state.initial) : null],
    ]),
    el('h4', {}, 'Reached by'),
    list(incoming.map((t) => `${transitionLabel(t)} from ${stateName(index, t.source)}${t.targets[0] === id ? '' : ` (to ${stateName(index, t.targets[0])})`}`), 'only as the initial state'),
    el('h4', {}, 'Accepts'),
    list(outgoing.map((t) => `${transitionLabel(t)} → ${t.targets.length ? t.targets.map((x) => stateName(index, x)).join(', ') : '(stays)'}`), 'nothing (final)'),
  ]
}

function transitionDetails(index, id) {
  const t = index.transitions.get(id)
  return [
    el('h3', {}, transitionLabel(t)),
    facts([
      ['Event', t.event ?? '(eventless)'],
      ['Guard', t.guard ?? 'none'],
      ['From', stateName(index, t.source)],
      ['To', t.targets.length ? t.targets.map((x) => stateName(index, x)).join(', ') : 'no state change (actions only)'],
      ['Re-enters', t.reenter ? 'yes' : null],
      ['Actions', t.actions.join(', ')],
      ['Description', t.description],
    ]),
  ]
}

function occurrences(versions, jump) {
  const shown = versions.slice(0, 30)
  return el(
    'div',
    { class: 'seen' },
    el('h4', {}, `In this history: ${versions.length} time${versions.length === 1 ? '' : 's'}`),
    el('p', {}, shown.map((v) => el('button', { type: 'button', class: 'version', onclick: () => jump(v) }, `v${v}`)), versions.length > shown.length ? ' …' : ''),
  )
}

function isInside(index, id, ancestor) {
  for (let s = index.states.get(id); s?.parent; s = index.states.get(s.parent)) if (s.parent === ancestor) return true
  return false
}

const list = (items, empty) => (items.length ? el('ul', {}, items.map((item) => el('li', {}, item))) : el('p', { class: 'hint' }, empty))
