/** Draws the laid-out statechart as SVG and highlights states and transitions on it. */
import { svg } from './dom.js'
import { PAD, ROW_H, TITLE_H, transitionLabel } from './layout.js'

/**
 * Renders into `root` (an <svg>): a group per state (parents first, so children are on top),
 * then the edges. `onSelect({kind, id})` is called when a state or a transition is clicked.
 */
export function drawChart(root, index, layout, onSelect) {
  const viewport = svg('g', { class: 'viewport' })
  const states = new Map()
  const transitions = new Map()
  const addTransitionEl = (id, node) => transitions.set(id, [...(transitions.get(id) ?? []), node])

  for (const box of layout.boxes) {
    if (box.id.startsWith('initial:')) {
      viewport.append(svg('circle', { class: 'initial', cx: box.x + box.width / 2, cy: box.y + box.height / 2, r: box.width / 2 }))
      continue
    }
    const state = index.states.get(box.id)
    const header = layout.headers.get(box.id)
    const group = svg('g', { class: `state ${state.type}${state.states.length ? ' parent' : ''}${box.depth === 0 ? ' machine' : ''}`, 'data-id': state.id, 'data-path': state.path, tabindex: 0 })
    group.append(svg('rect', { class: 'box', x: box.x, y: box.y, width: box.width, height: box.height, rx: 8 }))
    if (state.type === 'final') group.append(svg('rect', { class: 'inner', x: box.x + 3, y: box.y + 3, width: box.width - 6, height: box.height - 6, rx: 6 }))
    group.append(svg('text', { class: 'title', x: box.x + PAD, y: box.y + PAD + 12 }, header.title))
    if (header.tags) group.append(svg('text', { class: 'tags', x: box.x + box.width - PAD, y: box.y + PAD + 12, 'text-anchor': 'end' }, header.tags))
    header.rows.forEach((t, i) => {
      const y = box.y + PAD + TITLE_H + i * ROW_H
      const row = svg('g', { class: 'transition row', 'data-transition': t.id }, svg('rect', { class: 'hit', x: box.x + 4, y: y - 2, width: box.width - 8, height: ROW_H }), svg('text', { x: box.x + PAD, y: y + 10 }, transitionLabel(t)))
      addTransitionEl(t.id, row)
      group.append(row)
    })
    states.set(state.id, group)
    viewport.append(group)
  }
  for (const edge of layout.edges) {
    const d = edge.points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ')
    if (!edge.transition) {
      viewport.append(svg('path', { class: 'initial-edge', d, 'marker-end': 'url(#arrow)' }))
      continue
    }
    const group = svg('g', { class: 'transition edge', 'data-transition': edge.transition }, svg('path', { class: 'hit', d }), svg('path', { class: 'line', d, 'marker-end': 'url(#arrow)' }))
    if (edge.label) {
      const { x, y, width, height, text } = edge.label
      group.append(svg('rect', { class: 'label-bg', x, y, width, height, rx: 3 }), svg('text', { class: 'label', x: x + width / 2, y: y + height - 3.5, 'text-anchor': 'middle' }, text))
    }
    addTransitionEl(edge.transition, group)
    viewport.append(group)
  }

  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z' }))
  root.replaceChildren(svg('defs', {}, marker), viewport)
  root.addEventListener('click', (event) => {
    if (root.dataset.dragged === 'true') return
    const target = event.target.closest('[data-transition], .state')
    if (!target) return
    onSelect(target.dataset.transition ? { kind: 'transition', id: target.dataset.transition } : { kind: 'state', id: target.dataset.id })
  })
  return new ChartView(viewport, states, transitions, layout)
}

/** Class toggles on the drawn chart; each call touches only what changed. */
class ChartView {
  constructor(viewport, states, transitions, layout) {
    this.viewport = viewport
    this.states = states
    this.transitions = transitions
    this.layout = layout
    this.active = new Set()
    this.taken = null
    this.selected = []
  }

  /** Marks the active states (a leaf and its ancestors); the rest lose the mark. */
  setActive(ids) {
    for (const id of this.active) if (!ids.has(id)) this.states.get(id)?.classList.remove('active')
    for (const id of ids) if (!this.active.has(id)) this.states.get(id)?.classList.add('active')
    // The sets are the replay's own cached ones, never changed after they are made.
    this.active = ids
  }

  /** Marks the transition taken last (null: none). */
  setTaken(id) {
    if (id === this.taken) return
    for (const node of this.transitions.get(this.taken) ?? []) node.classList.remove('taken')
    for (const node of this.transitions.get(id) ?? []) node.classList.add('taken')
    this.taken = id
  }

  select(selection) {
    for (const node of this.selected) node.classList.remove('selected')
    this.selected = !selection ? [] : selection.kind === 'state' ? [this.states.get(selection.id)].filter(Boolean) : (this.transitions.get(selection.id) ?? [])
    for (const node of this.selected) node.classList.add('selected')
  }
}
