/** Lays a machine definition out as nested boxes with ELK (served from the installed elkjs package, run in a worker). */

export const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif'
const TITLE_FONT = `600 13px ${FONT_FAMILY}`
const ROW_FONT = `12px ${FONT_FAMILY}`
const LABEL_FONT = `11px ${FONT_FAMILY}`
export const PAD = 10
export const TITLE_H = 20
export const ROW_H = 16
const LABEL_H = 14
const INITIAL = 12

// Started as soon as the page's modules run, so the layout engine loads while the definition is fetched.
const elk = new ELK({ workerUrl: '/visualizer/vendor/elk-worker.min.js' })

const canvas = document.createElement('canvas').getContext('2d')
function measure(text, font) {
  canvas.font = font
  return Math.ceil(canvas.measureText(text).width)
}

export const transitionLabel = (t) => `${t.event ?? 'always'}${t.guard ? ` [${t.guard}]` : ''}`

/** Targetless transitions (actions only) are drawn as rows inside their state, as UML does. */
const rowsOf = (state) => state.transitions.filter((t) => t.targets.length === 0)

/** The box of a state before layout: title, tags and one row per targetless transition. */
function headerOf(state, isRoot) {
  const rows = rowsOf(state)
  const title = isRoot ? state.id : state.key
  const tags = state.tags.length ? `#${state.tags.join(' #')}` : ''
  const width = Math.max(measure(title, TITLE_FONT) + (tags ? measure(tags, ROW_FONT) + 12 : 0), ...rows.map((t) => measure(transitionLabel(t), ROW_FONT) + 12)) + 2 * PAD
  return { title, tags, rows, width: Math.max(width, 90), height: PAD + TITLE_H + rows.length * ROW_H + (rows.length ? 4 : 0) + PAD / 2 }
}

function elkNode(state, headers, isRoot = false) {
  const header = headerOf(state, isRoot)
  headers.set(state.id, header)
  if (state.states.length === 0) return { id: state.id, width: header.width, height: header.height + PAD / 2 }
  const children = state.states.map((child) => elkNode(child, headers))
  if (state.initial) children.unshift({ id: `initial:${state.id}`, width: INITIAL, height: INITIAL })
  return {
    id: state.id,
    layoutOptions: {
      ...NESTED,
      'elk.padding': `[top=${header.height + 8},left=${PAD * 2},bottom=${PAD * 2},right=${PAD * 2}]`,
      'elk.nodeSize.constraints': 'MINIMUM_SIZE',
      'elk.nodeSize.minimum': `(${header.width}, ${header.height + 20})`,
    },
    children,
  }
}

function elkEdges(index) {
  const edges = []
  for (const state of index.states.values()) {
    if (state.initial) edges.push({ id: `initial:${state.id}`, sources: [`initial:${state.id}`], targets: [state.initial] })
  }
  for (const t of index.transitions.values()) {
    t.targets.forEach((target, i) => {
      const text = transitionLabel(t)
      edges.push({ id: `${t.id}#${i}`, sources: [t.source], targets: [target], labels: [{ text, width: measure(text, LABEL_FONT) + 8, height: LABEL_H }] })
    })
  }
  return edges
}

/**
 * Read by each compound state for its own children, even with the hierarchy laid out as one.
 * Depth-first cycle breaking follows the definition's order, so the chart reads top-down from the
 * initial state and a transition back (reset, resume) is the one drawn upwards.
 */
const NESTED = {
  'elk.layered.cycleBreaking.strategy': 'DEPTH_FIRST',
  'elk.layered.spacing.nodeNodeBetweenLayers': '36',
  'elk.spacing.nodeNode': '28',
  'elk.spacing.edgeLabel': '4',
  'elk.spacing.edgeNode': '14',
}

const OPTIONS = {
  ...NESTED,
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.json.edgeCoords': 'ROOT',
  'elk.json.shapeCoords': 'ROOT',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.padding': '[top=12,left=12,bottom=12,right=12]',
}

/**
 * Geometry for the chart: every state's box (absolute coordinates), its title and rows, the
 * initial markers, and every transition edge as a polyline with its label box.
 */
export async function layoutDefinition(index) {
  const headers = new Map()
  const graph = { id: '__graph', layoutOptions: OPTIONS, children: [elkNode(index.definition.root, headers, true)], edges: elkEdges(index) }
  const result = await elk.layout(graph)
  const boxes = []
  const collect = (node, depth) => {
    if (node.id !== '__graph') boxes.push({ id: node.id, x: node.x, y: node.y, width: node.width, height: node.height, depth })
    for (const child of node.children ?? []) collect(child, depth + 1)
  }
  collect(result, -1)
  const edges = result.edges.map((edge) => {
    const section = edge.sections?.[0]
    const points = section ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint] : []
    const label = edge.labels?.[0]
    return { id: edge.id, transition: edge.id.startsWith('initial:') ? null : edge.id.replace(/#\d+$/, ''), points, label: label ? { x: label.x, y: label.y, width: label.width, height: label.height, text: label.text } : null }
  })
  return { width: result.width, height: result.height, boxes, edges, headers }
}
