/**
 * `npm run simulate -- --room <id> [--version N] --steps 'pauseTimer,advance:60,resumeTimer'`:
 * runs steps on a room as it was at a version, in memory, and prints the table `npm run replay`
 * prints. Nothing is written. The same code as POST /api/machines/{id}/simulate.
 */
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { fail, runCli, withDatabase } from './cli'
import { snapshotAt } from '../rooms/replay'
import { AppError } from '../http/errors'
import { zodDetails } from '../http/validation'
import { SIMULATION_LIMITS, SimulationStep } from '../visualizer/simulate.schemas'
import { runSteps } from '../visualizer/simulate.service'
import { tableRow } from './timeline-table'

const USAGE = "usage: npm run simulate -- --room <room_id> [--version N] --steps 'pauseTimer,advance:60,resumeTimer' [--json]"

const Steps = z.array(SimulationStep).max(SIMULATION_LIMITS.steps)

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { room: { type: 'string' }, version: { type: 'string' }, steps: { type: 'string', default: '' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  })
  if (values.help) return fail(USAGE, 0)
  const roomId = values.room
  if (!roomId) return fail(`--room is required\n${USAGE}`)
  const version = values.version === undefined ? undefined : Number(values.version)
  if (version !== undefined && (!Number.isInteger(version) || version < 1)) return fail(`--version must be a whole number ≥ 1\n${USAGE}`)
  const parsed = Steps.safeParse(splitSteps(values.steps))
  if (!parsed.success) return fail(`--steps: ${zodDetails(parsed.error, 'steps').map((d) => `${d.path}: ${d.message}`).join('; ')}\n${USAGE}`)

  return withDatabase(async (db) => {
    try {
      const point = await snapshotAt(db, roomId, { version })
      if (point.version === 0) return fail(`room ${roomId} has no events`, 1)
      if (version !== undefined && point.version < version) return fail(`room ${roomId} has no version ${version} (its last is ${point.version})`, 1)
      const result = runSteps({ snapshot: point.snapshot, version: point.version, at: new Date(point.at!) }, parsed.data)
      if (values.json) {
        console.log(JSON.stringify({ room_id: roomId, ...result }, null, 2))
        return 0
      }
      console.log(`room ${roomId} at version ${point.version} (${result.start.state_value}, ${result.start.at}), then ${parsed.data.length} steps:`)
      const rows = result.steps.flatMap((step) =>
        step.refused
          ? [{ time: step.at, version: step.version, event: `${step.step.type} refused`, state: step.state_value, sequence: step.status.current_sequence, remaining: step.status.remaining_time_seconds }]
          : step.facts.map(tableRow),
      )
      console.table(rows)
      return 0
    } catch (error) {
      if (error instanceof AppError) return fail(error.message, 2)
      throw error
    }
  })
}

/** Steps as a JSON array, or the short forms separated by commas. */
function splitSteps(text: string): unknown {
  const trimmed = text.trim()
  if (trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed)
    } catch {
      return trimmed
    }
  }
  return trimmed.split(',').map((s) => s.trim()).filter(Boolean)
}

runCli('simulate', main)
