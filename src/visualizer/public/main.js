/** The visualizer page: pick a machine, draw it, then watch an actor live or replay its history. */
import { getJson, rememberToken, takeToken } from './api.js'
import { drawChart } from './chart.js'
import { indexDefinition, initialStates } from './definition.js'
import { showDetails } from './details.js'
import { byId, el, show } from './dom.js'
import { layoutDefinition } from './layout.js'
import { Live } from './live.js'
import { panZoom } from './panzoom.js'
import { Replay } from './replay.js'
import { setUpSimulate } from './simulate-panel.js'

const params = new URLSearchParams(location.search)

async function main() {
  const token = takeToken()
  const { machines } = await getJson('/api/machines')
  const entry = machines.find((m) => m.id === params.get('machine')) ?? machines[0]
  if (!entry) throw new Error('No machines are listed by /api/machines')
  fillMachinePicker(machines, entry)

  const definition = await getJson(entry.links.json)
  performance.mark('definition-loaded')
  const index = indexDefinition(definition)
  const layout = await layoutDefinition(index)
  performance.mark('layout-done')
  let selection = null
  let replay = null
  const select = (next) => {
    selection = next
    chart.select(next)
    showDetails(byId('details'), index, next, replay?.entries.length ? { seen: (k, id) => replay.seen(k, id), jump: (v) => replay.jumpToVersion(v) } : {})
  }
  const svgRoot = byId('chart')
  const chart = drawChart(svgRoot, index, layout, select)
  chart.setActive(initialStates(index))
  const view = panZoom(svgRoot, chart.viewport, layout)
  view.fit()
  byId('zoom-in').onclick = view.zoomIn
  byId('zoom-out').onclick = view.zoomOut
  byId('zoom-fit').onclick = view.fit
  showDetails(byId('details'), index, null)
  performance.mark('chart-rendered')
  document.body.dataset.chart = 'ready'

  const links = entry.actors
  const simulation = entry.simulate ? setUpSimulate({ index, chart, path: entry.simulate, message }) : null
  const wanted = params.get('mode') ?? 'chart'
  const mode = (wanted === 'simulate' ? simulation : links) ? wanted : 'chart'
  replay = links ? new Replay({ index, chart, links, machineVersion: entry.version, onStep: () => selection && select(selection) }) : null
  const live = links ? new Live({ index, chart, links }) : null
  setUpModes(mode, links, token, { live, replay, simulation })
}

function fillMachinePicker(machines, entry) {
  const picker = byId('machine')
  show(picker, machines.map((m) => el('option', { value: m.id, selected: m.id === entry.id }, m.title)))
  picker.onchange = () => (location.search = `?machine=${encodeURIComponent(picker.value)}`)
  show(byId('exports'), 'Export: ', ['json', 'scxml', 'mermaid'].map((f) => el('a', { href: entry.links[f], target: '_blank' }, f.toUpperCase())))
}

function setUpModes(initialMode, links, token, { live, replay, simulation }) {
  let mode = initialMode
  const form = byId('actor-form')
  byId('token').value = token
  byId('actor').value = params.get('actor') ?? ''
  if (links) byId('actor-label').textContent = links.label
  const render = () => {
    for (const button of byId('modes').querySelectorAll('button')) {
      button.setAttribute('aria-pressed', String(button.dataset.mode === mode))
      button.disabled = button.dataset.mode === 'simulate' ? !simulation : !links && button.dataset.mode !== 'chart'
    }
    form.hidden = mode === 'chart'
    // Simulate uses the token only (for a plan or a room); its start is in its own panel.
    byId('actor').closest('label').hidden = byId('actor-go').hidden = mode === 'simulate'
    byId('simulate-panel').hidden = mode !== 'simulate'
    byId('live-panel').hidden = mode !== 'live'
    byId('replay-panel').hidden = mode !== 'replay'
    byId('actor-go').textContent = mode === 'live' ? 'Connect' : 'Load history'
  }
  const switchTo = (next) => {
    if (mode === 'live') live.disconnect()
    if (mode === 'replay') replay.leave()
    mode = next
    render()
  }
  byId('modes').onclick = (event) => {
    const next = event.target.closest('button')?.dataset.mode
    if (next && next !== mode) switchTo(next)
  }
  byId('fork').hidden = !simulation
  byId('fork').onclick = () => {
    const entry = replay.entries[replay.position]
    if (!entry) return
    switchTo('simulate')
    simulation.fork(replay.actorId, entry.version)
  }
  form.onsubmit = (event) => {
    event.preventDefault()
    const actorId = byId('actor').value.trim()
    const accessToken = byId('token').value.trim()
    rememberToken(accessToken)
    run(mode === 'live' ? startLive(live, actorId, accessToken) : startReplay(replay, actorId, accessToken))
  }
  wireReplayControls(replay)
  render()
  const actorId = params.get('actor')
  if (actorId && token && mode === 'live') run(startLive(live, actorId, token))
  if (actorId && token && mode === 'replay') run(startReplay(replay, actorId, token, { version: params.get('version'), at: params.get('at') }))
  if (mode === 'simulate') simulation.fromUrl(params)
}

async function startLive(live, actorId, token) {
  await live.connect(actorId, token)
  const url = new URLSearchParams(location.search)
  url.set('mode', 'live')
  url.set('actor', actorId)
  history.replaceState(history.state, '', `${location.pathname}?${url}`)
}

async function startReplay(replay, actorId, token, point = {}) {
  replay.pause()
  message('Loading history…')
  const count = await replay.load(actorId, token)
  message(count ? '' : 'This actor has no events yet.')
  if (!count) return
  const version = point.version ? Number(point.version) : undefined
  replay.go(version !== undefined ? replay.indexOf({ version }) : point.at ? replay.indexOf({ at: point.at }) : count - 1)
  performance.mark('history-shown')
  document.body.dataset.history = 'ready'
}

function wireReplayControls(replay) {
  if (!replay) return
  byId('first').onclick = () => replay.go(0)
  byId('prev').onclick = () => replay.step(-1)
  byId('next').onclick = () => replay.step(1)
  byId('last').onclick = () => replay.go(Infinity)
  byId('slider').oninput = (event) => replay.go(Number(event.target.value))
  byId('speed').onchange = (event) => (replay.speed = Number(event.target.value))
  byId('play').onclick = () => (replay.playing ? replay.pause() : replay.play(Number(byId('speed').value)))
  replay.onPlayChange = (playing) => (byId('play').textContent = playing ? 'Pause' : 'Play')
  // Arrow keys step, Home and End jump, while the replay is shown and no field has the focus.
  const keys = { ArrowLeft: () => replay.step(-1), ArrowRight: () => replay.step(1), Home: () => replay.go(0), End: () => replay.go(Infinity) }
  document.addEventListener('keydown', (event) => {
    if (byId('replay-panel').hidden || event.target.closest('input, select, textarea') || !keys[event.key]) return
    event.preventDefault()
    keys[event.key]()
  })
}

function message(text) {
  byId('message').textContent = text
}

function run(promise) {
  message('')
  promise.catch((error) => message(error.message))
}

main().catch((error) => message(`Could not draw the chart: ${error.message}`))
