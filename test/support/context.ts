import { loadConfig, type Config } from '../../config'
import { openDatabase, type DatabaseHandle } from '../../src/db/connection'
import { startService, type RunningService } from '../../src/service'
import { openMigrated, type MigratedDatabase } from '../../src/db/scratch'
import { createScratchDatabase, realPostgresUrl } from './database'

export interface TestContext {
  config: Config
  database: DatabaseHandle
  service: RunningService
  url: string
}

let current: TestContext | undefined
let dropDatabase: (() => Promise<void>) | undefined

/** Test configuration: config/test.env plus the scratch database, with optional overrides. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...process.env, ENV: 'test' }, { ENV: 'test', ...(scratchUrl ? { DATABASE_URL: scratchUrl } : {}), ...overrides })
}

let scratchUrl: string | undefined

export async function setUpTestContext(): Promise<TestContext> {
  if (realPostgresUrl) {
    const scratch = await createScratchDatabase(realPostgresUrl)
    scratchUrl = scratch.url
    dropDatabase = scratch.drop
  }
  const config = testConfig()
  const database = await openDatabase(config)
  const service = await startService(config, { database })
  current = { config, database, service, url: service.url }
  return current
}

export async function tearDownTestContext(): Promise<void> {
  if (!current) return
  await current.service.close()
  await current.database.close()
  await dropDatabase?.()
  current = undefined
}

/** The shared test service: one database (migrated once), one HTTP server, fresh ids per test. */
export function ctx(): TestContext {
  if (!current) throw new Error('test context is not set up (test/support/hooks.ts)')
  return current
}

/** A migrated database of the test's own, that nothing else writes to: a scratch database on the TEST_DATABASE_URL server, else PGlite in memory. */
export async function openOwnDatabase(): Promise<MigratedDatabase> {
  const scratch = realPostgresUrl ? await createScratchDatabase(realPostgresUrl) : undefined
  return openMigrated(scratch, testConfig({ PGLITE_DATA_DIR: 'memory://' }))
}
