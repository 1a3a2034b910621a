/** The status panel: the actor's state and, for timed machines, its clock. */
import { el, facts, formatSeconds, show } from './dom.js'

/**
 * `status` is what the actor's endpoints report: `state_value` and, for a room, `timer_status`
 * (history entries call it `status`). `remaining` overrides the remaining seconds (a live countdown).
 */
export function showStatus(panel, stateValue, timer, remaining) {
  if (!timer) return show(panel, facts([['State', stateValue]]))
  const left = remaining ?? timer.remaining_time_seconds
  const phase = timer.current_sequence === null || timer.current_sequence === undefined ? null : `${timer.phase_index + 1} of ${timer.total_phases} (sequence ${timer.current_sequence})`
  const clock = timer.is_running ? 'running' : timer.is_paused ? 'paused' : 'stopped'
  show(
    panel,
    facts([
      ['State', stateValue],
      ['Phase', phase],
      ['Remaining', el('span', { class: 'remaining' }, `${formatSeconds(left)} (${clock})`)],
      ['Elapsed', `${formatSeconds(timer.elapsed_time_seconds)} · ${timer.progress_percentage ?? 0}%`],
      ['Interview left', formatSeconds(timer.interview_remaining_seconds)],
      ['Deadline', timer.deadline],
      ['Transitions', timer.transition_count],
    ]),
  )
}
