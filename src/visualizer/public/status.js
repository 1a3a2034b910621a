/** The status and event panels: fixed rows whose text is replaced, so a replay step builds no DOM. */
import { el, formatSeconds } from './dom.js'

/** A definition list with one row per label; `update(values)` sets each row's text and hides empty ones. */
export function rows(panel, labels) {
  const cells = labels.map((label) => {
    const dt = el('dt', {}, label)
    const dd = el('dd')
    return { dt, dd }
  })
  panel.replaceChildren(el('dl', {}, cells.flatMap(({ dt, dd }) => [dt, dd])))
  return (values) => {
    values.forEach((value, i) => {
      const { dt, dd } = cells[i]
      const empty = value === null || value === undefined || value === ''
      dt.hidden = dd.hidden = empty
      if (!empty && dd.textContent !== String(value)) dd.textContent = String(value)
    })
  }
}

const STATUS_LABELS = ['State', 'Phase', 'Remaining', 'Elapsed', 'Interview left', 'Deadline', 'Transitions']

/**
 * A status panel for an actor: `state_value` and, for a room, its `timer_status` (history entries
 * call it `status`). `remaining` overrides the remaining seconds (a live countdown).
 */
export function statusPanel(panel) {
  const update = rows(panel, STATUS_LABELS)
  return (stateValue, timer, remaining) => {
    if (!timer) return update([stateValue])
    const left = remaining ?? timer.remaining_time_seconds
    const phase = timer.current_sequence === null || timer.current_sequence === undefined ? null : `${timer.phase_index + 1} of ${timer.total_phases} (sequence ${timer.current_sequence})`
    const clock = timer.is_running ? 'running' : timer.is_paused ? 'paused' : 'stopped'
    update([
      stateValue,
      phase,
      `${formatSeconds(left)} (${clock})`,
      `${formatSeconds(timer.elapsed_time_seconds)} · ${timer.progress_percentage ?? 0}%`,
      formatSeconds(timer.interview_remaining_seconds),
      timer.deadline,
      timer.transition_count,
    ])
  }
}
