/**
 * `npm run history:export -- <room_id> [--out DIR]`: writes a stored room's history, with the
 * state and status the machine produces for each event, as a golden fixture
 * (test/fixtures/histories/<room_id>.json by default). Reads the service's database: with the
 * embedded one, stop the service first (it holds the database); with PostgreSQL, run it beside.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fail, runCli, withDatabase } from './cli'
import { recordHistory } from '../rooms/history-record'

const USAGE = 'usage: npm run history:export -- <room_id> [--out DIR]'

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string', default: 'test/fixtures/histories' }, help: { type: 'boolean', short: 'h' } } })
  const roomId = positionals[0]
  if (values.help || !roomId) return fail(USAGE)
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(roomId)) return fail(`room_id must be 1–64 of letters, digits, _ and -\n${USAGE}`)
  return withDatabase(async (db) => {
    const history = await recordHistory(db, roomId, new Date())
    if (history.events.length === 0) return fail(`room ${roomId} has no events`, 1)
    mkdirSync(values.out, { recursive: true })
    const file = join(values.out, `${roomId}.json`)
    writeFileSync(file, `${JSON.stringify(history, null, 2)}\n`)
    console.error(`wrote ${history.events.length} events of ${roomId} (${[...new Set(history.events.map((e) => e.type))].length} fact types) to ${file}`)
    return 0
  })
}

runCli('history:export', main)
