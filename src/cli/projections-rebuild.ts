/**
 * `npm run projections:rebuild -- <name|all>`: empties a projection and replays the whole log into
 * it, while the service keeps running (live projectors wait on the checkpoint lock meanwhile).
 */
import { projections } from '../../projections'
import { openDatabase } from '../db/connection'
import { migrateToLatest } from '../db/migrate'
import { createLogger } from '../logger'
import { rebuildProjection } from '../rooms/projector'
import { configOrExit, runCli } from './cli'

async function main(): Promise<number> {
  const name = process.argv[2]
  const names = Object.keys(projections)
  if (!name || (name !== 'all' && !projections[name])) {
    console.error(`usage: npm run projections:rebuild -- <${[...names, 'all'].join('|')}>`)
    return 2
  }
  const config = configOrExit()
  const database = await openDatabase(config, createLogger({ ...config, LOG_LEVEL: 'error' }))
  try {
    await migrateToLatest(database.db)
    for (const projection of name === 'all' ? Object.values(projections) : [projections[name]!]) {
      const started = performance.now()
      const events = await rebuildProjection(database.db, projection)
      console.log(`rebuilt ${projection.name}: ${events} events in ${Math.round(performance.now() - started)} ms`)
    }
    return 0
  } finally {
    await database.close()
  }
}

runCli('projections:rebuild', main)
