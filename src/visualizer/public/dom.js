/** Small DOM helpers shared by the page's modules. */

const SVG_NS = 'http://www.w3.org/2000/svg'

/** An HTML element with attributes (`on…` functions become listeners) and children. */
export function el(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children)
}

/** An SVG element, the same way. */
export function svg(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children)
}

function fill(node, attrs, children) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value)
    else node.setAttribute(name, value === true ? '' : String(value))
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    node.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return node
}

export const byId = (id) => document.getElementById(id)

/** Replaces an element's children. */
export function show(target, ...children) {
  target.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false))
}

/** A definition list from [term, value] pairs (values may be nodes); empty values are left out. */
export function facts(pairs) {
  return el(
    'dl',
    {},
    pairs.filter(([, v]) => v !== null && v !== undefined && v !== '').flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
  )
}

export const formatSeconds = (s) => {
  if (s === null || s === undefined || Number.isNaN(s)) return '—'
  const sign = s < 0 ? '-' : ''
  const abs = Math.abs(Math.round(s))
  const m = Math.floor(abs / 60)
  return `${sign}${m}:${String(abs % 60).padStart(2, '0')}`
}
