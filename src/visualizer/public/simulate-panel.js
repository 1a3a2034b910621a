/** The Simulate panel's start form and buttons, around the Simulate mode (simulate.js). */
import { rememberToken } from './api.js'
import { byId } from './dom.js'
import { DEFAULT_PHASES, Simulate, simulationFromUrl } from './simulate.js'

/** Wires the panel; returns what the page needs: open a simulation from the URL, or fork a room at a version. */
export function setUpSimulate({ index, chart, path, message }) {
  const token = () => {
    const value = byId('token').value.trim()
    rememberToken(value)
    return value
  }
  const simulate = new Simulate({ index, chart, path, token })
  const from = byId('sim-from')
  const showFrom = () => {
    for (const field of byId('sim-start').querySelectorAll('[data-from]')) field.hidden = field.dataset.from !== from.value
  }
  from.onchange = showFrom
  byId('sim-phases').value = JSON.stringify(DEFAULT_PHASES, null, 1)

  const begin = async (start, steps, position) => {
    message('')
    await simulate.begin(start, steps, position)
    byId('sim-run').hidden = false
    byId('sim-start-box').open = false
  }
  const run = (promise) => promise.catch((error) => message(error.message))

  byId('sim-start').onsubmit = (event) => {
    event.preventDefault()
    run(begin(startFromForm()))
  }
  byId('sim-undo').onclick = () => run(simulate.undo())

  /** Fills the form with a start, so what is shown can be changed and started again. */
  const fill = (start) => {
    from.value = start.room_id ? 'room' : start.mock_interview_id ? 'plan' : 'phases'
    if (start.room_id) {
      byId('sim-room').value = start.room_id
      byId('sim-version').value = start.version ?? ''
    }
    if (start.mock_interview_id) byId('sim-plan').value = start.mock_interview_id
    if (start.phases) {
      byId('sim-phases').value = JSON.stringify(start.phases, null, 1)
      byId('sim-warning').value = start.warning_fraction === null ? '' : String(start.warning_fraction ?? 0.8)
    }
    showFrom()
  }
  showFrom()

  return {
    simulate,
    /** Opens the simulation the URL names, if any. */
    fromUrl(params) {
      let named
      try {
        named = simulationFromUrl(params)
      } catch {
        return message('The phases in the URL are not JSON')
      }
      if (!named) return
      fill(named.start)
      run(begin(named.start, named.steps, named.position))
    },
    /** Starts from a room as it was at a version, with no steps yet ("fork here" in Replay). */
    fork(roomId, version) {
      const start = { room_id: roomId, version }
      fill(start)
      run(begin(start))
    },
  }
}

function startFromForm() {
  const from = byId('sim-from').value
  if (from === 'room') {
    const version = byId('sim-version').value
    return { room_id: byId('sim-room').value.trim(), ...(version ? { version: Number(version) } : {}) }
  }
  if (from === 'plan') return { mock_interview_id: byId('sim-plan').value.trim() }
  let phases
  try {
    phases = JSON.parse(byId('sim-phases').value)
  } catch {
    throw new Error('Phases must be JSON: a list of {sequence, question_id, duration_minutes, instructions}')
  }
  const warning = byId('sim-warning').value
  return { phases, warning_fraction: warning === '' ? null : Number(warning) }
}
