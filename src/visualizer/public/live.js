/** Live mode: follow one actor's event stream and show the state after each event as it arrives. */
import { actorPath, getJson, postJson } from './api.js'
import { activeStates, takenTransition } from './definition.js'
import { byId, el, show } from './dom.js'
import { statusPanel } from './status.js'

const LOG_SIZE = 50

export class Live {
  constructor({ index, chart, links }) {
    this.index = index
    this.chart = chart
    this.links = links
    this.source = null
    this.queue = Promise.resolve()
    this.version = 0
    this.current = null
    this.ticker = null
    this.showStatus = statusPanel(byId('live-status'))
  }

  /** Opens the stream with a short-lived stream token (EventSource cannot send the bearer header). */
  async connect(actorId, token) {
    this.disconnect()
    this.actorId = actorId
    this.token = token
    this.version = 0
    this.current = null
    show(byId('log'))
    await this.open()
    this.ticker = setInterval(() => this.tick(), 250)
  }

  /** A stream token is short-lived: when the stream is closed for good, take a new one and resume after the last event. */
  async open(after) {
    const issued = await postJson(actorPath(this.links.stream_token, this.actorId), this.token)
    const source = new EventSource(after === undefined ? issued.url : `${issued.url}&last_event_id=${after}`)
    this.source = source
    source.addEventListener('connected', (message) => {
      const data = JSON.parse(message.data)
      // On a resumed stream the events since `after` follow, each applied in turn.
      if (after !== undefined) return this.setConnection('connected')
      this.version = data.version
      this.apply(data.status, null)
      this.setConnection('connected')
    })
    for (const type of this.index.definition.events) source.addEventListener(type, (message) => this.onEvent(type, message))
    source.addEventListener('heartbeat', () => this.setConnection('connected'))
    source.onerror = () => {
      this.setConnection('reconnecting…')
      if (source.readyState !== EventSource.CLOSED || this.source !== source) return
      setTimeout(() => {
        if (this.source === source) this.open(this.version).catch((error) => this.setConnection(`closed: ${error.message}`))
      }, 1000)
    }
  }

  disconnect() {
    this.source?.close()
    this.source = null
    clearInterval(this.ticker)
    this.setConnection('not connected')
  }

  /** Each event is followed by the actor's state at its version, fetched in order. */
  onEvent(type, message) {
    const version = Number(message.lastEventId)
    const data = JSON.parse(message.data)
    this.queue = this.queue
      .then(async () => {
        const status = await getJson(`${actorPath(this.links.state, this.actorId)}?version=${version}`, this.token)
        if (version <= this.version) return
        this.version = version
        this.apply(status, { type, version, data })
      })
      .catch((error) => this.setConnection(`error: ${error.message}`))
  }

  apply(status, event) {
    const before = this.current
    const after = activeStates(this.index, status.state_value)
    this.chart.setActive(after)
    if (event) this.chart.setTaken(before ? (takenTransition(this.index, before, event.type, after)?.id ?? null) : null)
    this.current = after
    this.status = status
    this.tick()
    if (event) {
      const log = byId('log')
      log.prepend(el('li', {}, el('b', {}, event.type), ` v${event.version} → ${status.state_value}`))
      while (log.children.length > LOG_SIZE) log.lastElementChild.remove()
    }
    byId('live-version').textContent = `version ${this.version}`
  }

  /** Remaining time counts down between events from the deadline, not from an in-page timer. */
  tick() {
    if (!this.status) return
    const timer = this.status.timer_status
    const remaining = timer?.is_running && timer.deadline ? Math.max(0, (Date.parse(timer.deadline) - Date.now()) / 1000) : undefined
    this.showStatus(this.status.state_value, timer, remaining)
  }

  setConnection(text) {
    byId('connection').textContent = text
  }
}

