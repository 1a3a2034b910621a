import { expect } from 'chai'
import { createRequire } from 'node:module'
import { interviewRoomMachine } from '../../machines/interview-room'
import { allStates, allTransitions, describeMachine } from '../../src/visualizer/machine-definition'
import { edges, toMermaid, transitionLabel } from '../../src/visualizer/mermaid'
import type { Browser } from '../support/browser'
import { browserSuite } from '../support/browser-suite'

const MERMAID = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js')
const definition = describeMachine(interviewRoomMachine)

interface Drawn {
  /** The text of each state box and each compound state's title. */
  names: string[]
  /** Every line of every edge label, as shown. */
  labels: string[]
  /** Edge paths drawn (transitions and the initial/final markers' arrows). */
  paths: number
}

/** Renders Mermaid text with the mermaid package itself, in the page, and reads back what it drew. */
async function render(browser: Browser, text: string): Promise<Drawn> {
  const page = await browser.page('http://127.0.0.1')
  try {
    await page.setContent('<!doctype html><html><body></body></html>')
    await page.addScriptTag({ path: MERMAID })
    // Plain expressions only: this function runs in the page, as written.
    return await page.evaluate(async (source) => {
      const mermaid = (window as unknown as { mermaid: { initialize(c: object): void; render(id: string, text: string): Promise<{ svg: string }> } }).mermaid
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' })
      document.body.innerHTML = (await mermaid.render('chart', source)).svg
      const names = Array.from(document.querySelectorAll('svg g.node.statediagram-state .nodeLabel, svg g.statediagram-cluster > g.cluster-label .nodeLabel')).map((e) => (e.textContent ?? '').trim())
      const labels = Array.from(document.querySelectorAll('svg g.edgeLabel span.edgeLabel'))
        .flatMap((span) => span.innerHTML.split(/<br\s*\/?>/i))
        .map((html) => {
          const cell = document.createElement('div')
          cell.innerHTML = html
          return (cell.textContent ?? '').trim()
        })
        .filter((line) => line !== '')
      return { names, labels, paths: document.querySelectorAll('svg path.transition').length }
    }, text)
  } finally {
    await page.close()
  }
}

describe('the Mermaid export rendered by Mermaid (headless Chromium)', function () {
  this.timeout(60_000)
  // The page loads Mermaid from the package on disk: the suite checks it asked the network for nothing.
  const chromium = browserSuite()
  let drawn: Drawn

  before(async () => {
    drawn = await render(chromium.browser(), toMermaid(definition))
  })

  it('shows every state by its name', () => {
    const names = allStates(definition).filter((s) => s.id !== definition.root.id).map((s) => s.key)
    expect([...drawn.names].sort()).to.deep.equal([...names].sort())
  })

  it("draws every transition's label: as many as the machine has transitions, each once", () => {
    const expected = allTransitions(definition).flatMap((t) => (t.targets.length ? t.targets : [t.source]).map(() => transitionLabel(t)))
    expect(expected).to.have.length.greaterThan(20)
    expect([...drawn.labels].sort()).to.deep.equal([...expected].sort())
  })

  it('draws one edge for each pair of states with transitions between them, plus the initial and final arrows', () => {
    const states = allStates(definition)
    const pairs = states.reduce((n, s) => n + edges(s.transitions).size, 0)
    const markers = states.filter((s) => s.initial).length + states.filter((s) => s.type === 'final').length
    expect(drawn.paths).to.equal(pairs + markers)
  })
})
