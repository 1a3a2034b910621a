/**
 * Simulate mode: run commands and clock advances on a plan, or on a room from any version of its
 * history, through POST /api/machines/{id}/simulate (in memory on the server: nothing is written).
 * The URL holds the start and the steps, so a simulation can be shared or reloaded.
 */
import { postJson } from './api.js'
import { activeStates, takenTransition } from './definition.js'
import { byId, el, formatSeconds, show } from './dom.js'
import { rows, statusPanel } from './status.js'

/** The commands a user may send, as steps (`resetTimer` twice: one per scope). */
const COMMANDS = [
  ['startTimer', 'startTimer'],
  ['pauseTimer', 'pauseTimer'],
  ['resumeTimer', 'resumeTimer'],
  ['resetTimer:phase', 'resetTimer (phase)'],
  ['resetTimer:interview', 'resetTimer (interview)'],
  ['skipPhase', 'skipPhase'],
  ['endInterview', 'endInterview'],
  ['injectProblem', 'injectProblem'],
  ['injectContext', 'injectContext'],
]

export const DEFAULT_PHASES = [
  { sequence: 1, question_id: 'warm-up', duration_minutes: 2, instructions: 'Introductions' },
  { sequence: 2, question_id: 'main', duration_minutes: 5, instructions: 'The main problem' },
]

export class Simulate {
  constructor({ index, chart, path, token }) {
    this.index = index
    this.chart = chart
    this.path = path
    this.token = token
    this.start = null
    this.steps = []
    this.result = null
    this.position = -1
    this.showStatus = statusPanel(byId('sim-status'))
    const factsPanel = byId('sim-facts')
    this.showHeader = rows(factsPanel, ['Step', 'At', 'Version'])
    this.factList = factsPanel.appendChild(el('ol', { class: 'facts' }))
    this.factData = factsPanel.appendChild(el('pre'))
  }

  /**
   * Starts a simulation: `start` is `{phases, warning_fraction?}`, `{mock_interview_id}` or
   * `{room_id, version}`; `steps` the steps to run at once (from a shared URL).
   */
  async begin(start, steps = [], position = steps.length - 1) {
    this.start = start
    this.steps = steps
    await this.run(position)
  }

  /** Adds a step after the one shown (a later branch is dropped), then shows it. */
  async add(step) {
    this.steps = [...this.steps.slice(0, this.position + 1), step]
    await this.run(this.steps.length - 1)
  }

  async undo() {
    if (this.steps.length === 0) return
    this.steps = this.steps.slice(0, -1)
    await this.run(this.steps.length - 1)
  }

  /** The server runs the whole simulation again: a step is never guessed in the page. */
  async run(position) {
    const body = { ...this.start, steps: this.steps }
    this.result = await postJson(this.path, this.token(), body)
    this.go(position)
    document.body.dataset.simulation = 'ready'
  }

  /** The room at point `i`: -1 is the start, then each step. */
  point(i) {
    return i < 0 ? this.result.start : this.result.steps[i]
  }

  go(i) {
    if (!this.result) return
    this.position = Math.max(-1, Math.min(this.result.steps.length - 1, i))
    const point = this.point(this.position)
    const before = this.position < 0 ? null : this.point(this.position - 1)
    const after = activeStates(this.index, point.state_value)
    this.chart.setActive(after)
    this.chart.setTaken(this.taken(before, point))
    this.showStatus(point.state_value, point.status)
    const step = this.position < 0 ? this.startLabel() : stepLabel(this.result.steps[this.position].step)
    this.showHeader([step, point.at, point.version])
    show(this.factList, this.factItems(point))
    this.factData.textContent = point.facts.length ? JSON.stringify(point.facts.map((f) => ({ type: f.type, ...f.data })), null, 2) : ''
    this.factData.hidden = point.facts.length === 0
    this.renderCommands(point)
    this.renderClock(point)
    this.renderSteps()
    this.writeUrl()
  }

  /** The transition the step's last fact took, from the state before it. */
  taken(before, point) {
    const facts = point.facts
    if (facts.length === 0) return null
    const last = facts[facts.length - 1]
    const previous = facts.length > 1 ? facts[facts.length - 2].state_value : before?.state_value
    if (previous === undefined) return null
    return takenTransition(this.index, activeStates(this.index, previous), last.type, activeStates(this.index, last.state_value))?.id ?? null
  }

  factItems(point) {
    if (point.refused) return [el('li', { class: 'refused' }, `Refused (409 ${point.refused.code}): ${point.refused.message}`)]
    if (point.facts.length === 0) return [el('li', { class: 'hint' }, 'No fact: nothing came due.')]
    return point.facts.map((f) => el('li', {}, el('b', {}, f.type), ` v${f.version} at ${f.at} → ${f.state_value}`))
  }

  /** Every command: the ones the state allows as buttons, the others greyed with the reason. */
  renderCommands(point) {
    const allowed = new Set(point.allowed_commands)
    show(
      byId('sim-commands'),
      COMMANDS.map(([step, label]) => {
        const type = step.split(':')[0]
        const ok = allowed.has(type)
        const why = ok ? null : `not allowed while ${point.state}`
        return el(
          'div',
          { class: `command${ok ? '' : ' refused'}` },
          el('button', { type: 'button', 'data-step': step, disabled: !ok, title: why ?? `send ${type}`, onclick: () => this.act(step) }, label),
          why ? el('span', { class: 'why' }, why) : null,
        )
      }),
    )
  }

  /** Buttons that move the clock to the next armed timer, or by a number of seconds. */
  renderClock(point) {
    const due = (kind) => point.timers.find((t) => t.kind === kind)
    for (const [id, kind, label] of [['sim-to-warning', 'warning', 'To the warning'], ['sim-to-deadline', 'deadline', 'To the deadline']]) {
      const timer = due(kind)
      const button = byId(id)
      const seconds = timer ? (Date.parse(timer.due_at) - Date.parse(point.at)) / 1000 : null
      button.disabled = !timer
      button.textContent = timer ? `${label} (+${formatSeconds(seconds)})` : label
      button.title = timer ? `advance ${seconds} s to ${timer.due_at}` : `no ${kind} is armed while ${point.state}`
      button.onclick = () => this.act(`advance:${seconds}`)
    }
    byId('sim-advance').onclick = () => {
      const seconds = Number(byId('sim-seconds').value)
      if (seconds > 0) this.act(`advance:${seconds}`)
    }
  }

  renderSteps() {
    const items = [el('li', { class: this.position === -1 ? 'current' : '', 'data-index': -1 }, el('button', { type: 'button', onclick: () => this.go(-1) }, this.startLabel()))]
    this.result.steps.forEach((s, i) => {
      const outcome = s.refused ? 'refused' : s.facts.length ? s.facts.map((f) => f.type).join(', ') : 'no fact'
      items.push(
        el(
          'li',
          { class: `${this.position === i ? 'current' : ''}${s.refused ? ' refused' : ''}`, 'data-index': i },
          el('button', { type: 'button', onclick: () => this.go(i) }, `${stepLabel(s.step)} → ${outcome} · ${s.state_value}`),
        ),
      )
    })
    show(byId('sim-steps'), items)
    byId('sim-undo').disabled = this.steps.length === 0
  }

  act(step) {
    byId('message').textContent = ''
    this.add(step).catch((error) => (byId('message').textContent = error.message))
  }

  startLabel() {
    if (this.start.room_id) return `room ${this.start.room_id} at version ${this.result.start.version}`
    if (this.start.mock_interview_id) return `plan ${this.start.mock_interview_id}`
    return `${this.start.phases.length} phase${this.start.phases.length === 1 ? '' : 's'}`
  }

  /** The whole simulation in the address bar: the start and every step. */
  writeUrl() {
    const params = new URLSearchParams(location.search)
    for (const key of ['actor', 'version', 'at', 'plan', 'phases', 'warning', 'steps', 'step']) params.delete(key)
    params.set('mode', 'simulate')
    if (this.start.room_id) {
      params.set('actor', this.start.room_id)
      params.set('version', String(this.result.start.version))
    } else if (this.start.mock_interview_id) {
      params.set('plan', this.start.mock_interview_id)
    } else {
      params.set('phases', JSON.stringify(this.start.phases))
      if (this.start.warning_fraction !== undefined) params.set('warning', String(this.start.warning_fraction))
    }
    if (this.steps.length) params.set('steps', this.steps.join(','))
    if (this.position !== this.steps.length - 1) params.set('step', String(this.position))
    history.replaceState(history.state, '', `${location.pathname}?${params}${location.hash}`)
  }
}

/** The start and steps a URL names, or null when it names none. */
export function simulationFromUrl(params) {
  const steps = (params.get('steps') ?? '').split(',').filter(Boolean)
  const position = params.has('step') ? Number(params.get('step')) : steps.length - 1
  if (params.get('actor')) return { start: { room_id: params.get('actor'), ...(params.get('version') ? { version: Number(params.get('version')) } : {}) }, steps, position }
  if (params.get('plan')) return { start: { mock_interview_id: params.get('plan') }, steps, position }
  if (params.get('phases')) {
    const warning = params.get('warning')
    return { start: { phases: JSON.parse(params.get('phases')), ...(warning ? { warning_fraction: warning === 'null' ? null : Number(warning) } : {}) }, steps, position }
  }
  return null
}

const stepLabel = (step) => (step.type === 'advance' ? `advance ${step.seconds} s` : step.type === 'resetTimer' ? `resetTimer (${step.scope})` : step.type)
