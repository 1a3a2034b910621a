import { parseArgs } from 'node:util'
import { fail, runCli, withDatabase } from './cli'
import { factEntry, replayRoom, snapshotAt } from '../rooms/replay'
import { roomState } from '../../machines/interview-room'
import { tableRow } from './timeline-table'

const USAGE = 'usage: npm run replay -- <room_id> [--version N | --at <ISO time>] [--json]'

/** Prints a room's history replayed through the machine: one row per event, or the state at a point. */
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { version: { type: 'string' }, at: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  })
  const roomId = positionals[0]
  if (values.help || !roomId) return fail(USAGE)
  const version = values.version === undefined ? undefined : Number(values.version)
  if (version !== undefined && (!Number.isInteger(version) || version < 0)) return fail(`--version must be a whole number ≥ 0\n${USAGE}`)
  const at = values.at === undefined ? undefined : new Date(values.at)
  if (at && Number.isNaN(at.getTime())) return fail(`--at must be an ISO 8601 time\n${USAGE}`)

  return withDatabase(async (db) => {
    const bounded = version !== undefined || at !== undefined
    const upTo = bounded ? await snapshotAt(db, roomId, { version, at }) : undefined
    const rows: Record<string, unknown>[] = []
    await replayRoom(
      db,
      roomId,
      (event, fact, snapshot) => rows.push(tableRow(factEntry(event.stream_position, fact, snapshot, event.data))),
      { toVersion: upTo?.version },
    )
    if (rows.length === 0) return fail(`room ${roomId} has no events`, 1)
    if (values.json) {
      const final = upTo ?? null
      console.log(JSON.stringify({ room_id: roomId, timeline: rows, ...(final ? { state: roomState(final.snapshot), version: final.version } : {}) }, null, 2))
    } else {
      console.table(rows)
    }
    return 0
  })
}

runCli('replay', main)
