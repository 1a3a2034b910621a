/**
 * `npm run history:check -- [--room ID …] [--sample N] [--page N] [--json]`: replays every stored
 * room (or a random sample, or the rooms named) through this code's upcasters, fact schemas and
 * machine, and lists each room it cannot replay with its first failing version. Run it against
 * the production database with the code about to be deployed. Exit 0: every room replays; 1: some
 * do not; 2: bad arguments.
 */
import { parseArgs } from 'node:util'
import { fail, runCli, withDatabase } from './cli'
import { checkHistories, sampleRooms, type RoomCheckFailure } from '../rooms/history-check'
import { MACHINE_VERSION } from '../../machines/interview-room'

const USAGE = 'usage: npm run history:check -- [--room ID …] [--sample N] [--page N] [--json]'

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      room: { type: 'string', multiple: true },
      sample: { type: 'string' },
      page: { type: 'string', default: '5000' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) return fail(USAGE, 0)
  const page = Number(values.page)
  const sample = values.sample === undefined ? undefined : Number(values.sample)
  if (!Number.isInteger(page) || page < 1 || page > 100_000) return fail(`--page must be a whole number from 1 to 100000\n${USAGE}`)
  if (sample !== undefined && (!Number.isInteger(sample) || sample < 1)) return fail(`--sample must be a whole number ≥ 1\n${USAGE}`)
  if (sample !== undefined && values.room) return fail(`give --room or --sample, not both\n${USAGE}`)

  return withDatabase(async (db) => {
    const roomIds = sample !== undefined ? await sampleRooms(db, sample) : values.room
    const failures: RoomCheckFailure[] = []
    const started = performance.now()
    let lastReport = started
    const result = await checkHistories(db, {
      pageSize: page,
      roomIds,
      onFailure: (failure) => {
        if (values.json) failures.push(failure)
        else console.log(`FAIL room ${failure.room_id} at version ${failure.version}: ${failure.type} stored as v${failure.storedVersion}, ${failure.stage} (at v${failure.failedAt}): ${failure.reason}`)
      },
      onProgress: (progress) => {
        if (performance.now() - lastReport < 5_000) return
        lastReport = performance.now()
        console.error(`… ${progress.rooms.toLocaleString('en-US')} rooms, ${progress.events.toLocaleString('en-US')} events`)
      },
    })
    const seconds = (performance.now() - started) / 1000
    const summary = {
      machine_version: MACHINE_VERSION,
      rooms: result.rooms,
      events: result.events,
      failed: result.failed,
      seconds: Math.round(seconds * 100) / 100,
      rooms_per_second: Math.round(result.rooms / seconds),
      events_per_second: Math.round(result.events / seconds),
    }
    if (values.json) console.log(JSON.stringify({ ...summary, failures }, null, 2))
    else {
      const rate = `${summary.rooms_per_second.toLocaleString('en-US')} rooms/s, ${summary.events_per_second.toLocaleString('en-US')} events/s`
      console.log(`checked ${result.rooms.toLocaleString('en-US')} rooms, ${result.events.toLocaleString('en-US')} events with machine v${MACHINE_VERSION} in ${seconds.toFixed(1)} s (${rate}): ${result.failed === 0 ? 'every room replays' : `${result.failed} cannot be replayed`}`)
    }
    return result.failed === 0 ? 0 : 1
  })
}

runCli('history:check', main)
