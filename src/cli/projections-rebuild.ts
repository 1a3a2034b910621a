/**
 * `npm run projections:rebuild -- <name|all>`: empties a projection and replays the whole log into
 * it, while the service keeps running (live projectors wait on the checkpoint lock meanwhile).
 */
import { projections } from '../../projections'
import { migrateToLatest } from '../db/migrate'
import { rebuildProjection } from '../rooms/projector'
import { runCli, withDatabase } from './cli'

async function main(): Promise<number> {
  const name = process.argv[2]
  const names = Object.keys(projections)
  if (!name || (name !== 'all' && !projections[name])) {
    console.error(`usage: npm run projections:rebuild -- <${[...names, 'all'].join('|')}>`)
    return 2
  }
  return withDatabase(async (db) => {
    await migrateToLatest(db)
    for (const projection of name === 'all' ? Object.values(projections) : [projections[name]!]) {
      const started = performance.now()
      const events = await rebuildProjection(db, projection)
      console.log(`rebuilt ${projection.name}: ${events} events in ${Math.round(performance.now() - started)} ms`)
    }
    return 0
  })
}

runCli('projections:rebuild', main)
