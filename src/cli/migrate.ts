/**
 * `npm run migrate`: brings the configured database (DATABASE_URL, else the embedded one under
 * PGLITE_DATA_DIR) up to the latest migration and says what it applied.
 * The server migrates on start-up too; this is for deploying schema changes ahead of new code.
 */
import type { Config } from '../../config'
import { configOrExit, runCli } from './cli'
import { migrations } from '../../migrations'
import { openDatabase } from '../db/connection'
import { migrateToLatest } from '../db/migrate'

function describeTarget(config: Config): string {
  if (!config.DATABASE_URL) return `embedded PGlite at ${config.PGLITE_DATA_DIR}`
  const url = new URL(config.DATABASE_URL)
  if (url.password) url.password = '***'
  return `PostgreSQL at ${url.toString()}`
}

async function main(): Promise<number> {
  const config = configOrExit()
  const target = describeTarget(config)
  console.log(`migrating ${target}`)
  const database = await openDatabase(config)
  try {
    const applied = await migrateToLatest(database.db)
    const known = Object.keys(migrations).length
    if (applied.length === 0) console.log(`already up to date (${known} migrations)`)
    for (const name of applied) console.log(`applied ${name}`)
    return 0
  } catch (error) {
    console.error(`migration failed on ${target}: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  } finally {
    await database.close()
  }
}

runCli('migrate', main)
