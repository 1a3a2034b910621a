/** Pan (drag) and zoom (wheel, buttons) for the chart: a transform on its viewport group. */
export function panZoom(svgRoot, viewport, size) {
  let view = { x: 0, y: 0, k: 1 }
  const apply = () => viewport.setAttribute('transform', `translate(${view.x},${view.y}) scale(${view.k})`)

  const zoomAt = (factor, cx, cy) => {
    const k = Math.min(8, Math.max(0.1, view.k * factor))
    view = { k, x: cx - ((cx - view.x) * k) / view.k, y: cy - ((cy - view.y) * k) / view.k }
    apply()
  }

  svgRoot.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault()
      const rect = svgRoot.getBoundingClientRect()
      zoomAt(Math.exp(-event.deltaY * 0.0015), event.clientX - rect.left, event.clientY - rect.top)
    },
    { passive: false },
  )

  let drag = null
  svgRoot.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return
    drag = { x: event.clientX, y: event.clientY, view, moved: false }
    svgRoot.dataset.dragged = 'false'
  })
  svgRoot.addEventListener('pointermove', (event) => {
    if (!drag) return
    const dx = event.clientX - drag.x
    const dy = event.clientY - drag.y
    if (!drag.moved && Math.hypot(dx, dy) < 4) return
    if (!drag.moved) svgRoot.setPointerCapture(event.pointerId)
    drag.moved = true
    svgRoot.dataset.dragged = 'true'
    view = { ...drag.view, x: drag.view.x + dx, y: drag.view.y + dy }
    apply()
  })
  const end = () => {
    drag = null
    // The click that ends a drag must not select what is under the pointer; the next one may.
    setTimeout(() => (svgRoot.dataset.dragged = 'false'), 0)
  }
  svgRoot.addEventListener('pointerup', end)
  svgRoot.addEventListener('pointercancel', end)

  const center = () => {
    const rect = svgRoot.getBoundingClientRect()
    return [rect.width / 2, rect.height / 2]
  }
  return {
    fit() {
      const rect = svgRoot.getBoundingClientRect()
      const k = Math.min(2, Math.max(0.1, Math.min(rect.width / size.width, rect.height / size.height) * 0.96))
      view = { k, x: (rect.width - size.width * k) / 2, y: (rect.height - size.height * k) / 2 }
      apply()
    },
    zoomIn: () => zoomAt(1.25, ...center()),
    zoomOut: () => zoomAt(0.8, ...center()),
  }
}
