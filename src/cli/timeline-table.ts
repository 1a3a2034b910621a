import type { FactEntry } from '../rooms/replay'

/** One row of the table `npm run replay` and `npm run simulate` print for a fact. */
export function tableRow(entry: FactEntry): Record<string, unknown> {
  return { time: entry.at, version: entry.version, event: entry.type, state: entry.state_value, sequence: entry.status.current_sequence, remaining: entry.status.remaining_time_seconds }
}
