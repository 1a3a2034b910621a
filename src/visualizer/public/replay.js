/** Replay mode: load an actor's history, step through it, play it, and keep the URL at the point shown. */
import { actorPath, getJson } from './api.js'
import { activeStates, initialStates, takenTransition } from './definition.js'
import { byId, el } from './dom.js'
import { rows, statusPanel } from './status.js'

const PAGE = 10000
/** At 1×, a quiet stretch longer than this plays as this long: the pace of the events, not of the wall clock. */
const MAX_GAP_MS = 2000

export class Replay {
  constructor({ index, chart, links, machineVersion, onStep }) {
    this.index = index
    this.machineVersion = machineVersion ?? null
    this.chart = chart
    this.links = links
    this.onStep = onStep
    this.entries = []
    this.position = -1
    this.playing = null
    this.speed = 1
    this.urlTimer = null
    this.showStatus = statusPanel(byId('status'))
    const eventPanel = byId('event')
    this.showEvent = rows(eventPanel, ['Event', 'Version', 'At', 'Recorded by'])
    this.eventData = eventPanel.appendChild(el('pre'))
  }

  /** Loads every event of the actor, page by page. */
  async load(actorId, token) {
    const entries = []
    performance.mark('history-requested')
    for (let from = 1; ; from += PAGE) {
      const page = await getJson(`${actorPath(this.links.history, actorId)}?from_version=${from}&limit=${PAGE}`, token)
      entries.push(...page.events)
      if (page.events.length < PAGE) break
    }
    performance.mark('history-received')
    this.actorId = actorId
    this.entries = entries
    this.active = new Array(entries.length)
    this.taken = new Array(entries.length)
    // Playback time of each event: its real time, with long quiet stretches shortened.
    this.timeline = new Float64Array(entries.length)
    for (let i = 1; i < entries.length; i++) {
      const gap = Math.max(0, Date.parse(entries[i].at) - Date.parse(entries[i - 1].at)) || 0
      this.timeline[i] = this.timeline[i - 1] + Math.min(gap, MAX_GAP_MS)
    }
    const slider = byId('slider')
    slider.min = '0'
    slider.max = String(Math.max(0, entries.length - 1))
    byId('recorded').textContent = recordedBy(entries, this.machineVersion)
    return entries.length
  }

  /** The index of the event at a version, or of the last event at or before a time. */
  indexOf({ version, at }) {
    if (version !== undefined) {
      const i = this.entries.findIndex((e) => e.version >= version)
      return i === -1 ? this.entries.length - 1 : i
    }
    const t = Date.parse(at)
    let found = 0
    for (let i = 0; i < this.entries.length && Date.parse(this.entries[i].at) <= t; i++) found = i
    return found
  }

  activeAt(i) {
    if (i < 0) return initialStates(this.index)
    return (this.active[i] ??= activeStates(this.index, this.entries[i].state_value))
  }

  takenAt(i) {
    if (this.taken[i] === undefined) this.taken[i] = takenTransition(this.index, this.activeAt(i - 1), this.entries[i].type, this.activeAt(i))?.id ?? null
    return this.taken[i]
  }

  /** Shows the chart, the event and the status after event `i`. */
  go(i) {
    if (this.entries.length === 0) return
    i = Math.max(0, Math.min(this.entries.length - 1, i))
    this.position = i
    const entry = this.entries[i]
    this.chart.setActive(this.activeAt(i))
    this.chart.setTaken(this.takenAt(i))
    byId('slider').value = String(i)
    byId('position').textContent = `version ${entry.version} of ${this.entries[this.entries.length - 1].version}`
    this.showEvent([entry.type, entry.version, entry.at, `${machineLabel(entry.machine_version)}, ${entry.type} schema v${entry.schema_version}`])
    this.eventData.textContent = JSON.stringify(entry.data, null, 2)
    this.showStatus(entry.state_value, entry.status)
    this.onStep?.(entry)
    this.scheduleUrl()
  }

  step(delta) {
    this.go(this.position + delta)
  }

  /** Plays from here at `speed`× the events' own pace, one chart update per frame at most. */
  play(speed) {
    this.speed = speed
    if (this.playing || this.entries.length === 0) return
    if (this.position >= this.entries.length - 1) this.go(0)
    let clock = this.timeline[this.position]
    let last = performance.now()
    const frame = (now) => {
      clock += (now - last) * this.speed
      last = now
      let i = this.position
      while (i + 1 < this.entries.length && this.timeline[i + 1] <= clock) i++
      if (i !== this.position) this.go(i)
      if (i >= this.entries.length - 1) return this.pause()
      this.playing = requestAnimationFrame(frame)
    }
    this.playing = requestAnimationFrame(frame)
    this.onPlayChange?.(true)
  }

  /** Stops playing and writing the URL: another mode owns the page now. */
  leave() {
    this.pause()
    clearTimeout(this.urlTimer)
    this.urlTimer = null
  }

  pause() {
    if (this.playing) cancelAnimationFrame(this.playing)
    this.playing = null
    this.onPlayChange?.(false)
  }

  /** Versions where a transition was taken or a state was entered, for the details panel. */
  seen(kind, id) {
    const out = []
    for (let i = 0; i < this.entries.length; i++) {
      if (kind === 'transition' ? this.takenAt(i) === id : this.activeAt(i).has(id) && !this.activeAt(i - 1).has(id)) out.push(this.entries[i].version)
    }
    return out
  }

  jumpToVersion(version) {
    this.pause()
    this.go(this.indexOf({ version }))
  }

  /** The URL names the point shown, so it can be shared or reloaded; written at most a few times a second. */
  scheduleUrl() {
    if (this.urlTimer) return
    this.urlTimer = setTimeout(() => {
      this.urlTimer = null
      const params = new URLSearchParams(location.search)
      params.set('mode', 'replay')
      params.set('actor', this.actorId)
      params.delete('at')
      params.set('version', String(this.entries[this.position].version))
      history.replaceState(history.state, '', `${location.pathname}?${params}${location.hash}`)
    }, 250)
  }
}

const machineLabel = (version) => (version === null || version === undefined ? 'a machine before versions' : `machine v${version}`)

/** Which machine versions recorded the history, and which one replays it here. */
function recordedBy(entries, current) {
  const spans = []
  for (const entry of entries) {
    const version = entry.machine_version ?? null
    const last = spans[spans.length - 1]
    if (last && last.version === version) last.to = entry.version
    else spans.push({ version, from: entry.version, to: entry.version })
  }
  const parts = spans.map((s) => `${machineLabel(s.version)} (versions ${s.from}–${s.to})`)
  return parts.length ? `Recorded by ${parts.join(', ')}; replayed with machine v${current ?? '?'}.` : ''
}
