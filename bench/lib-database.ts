import { randomUUID } from 'node:crypto'
import { openDatabase, type DatabaseHandle } from '../src/db/connection'
import type { Db } from '../src/db/database'
import { migrateToLatest } from '../src/db/migrate'
import { benchDatabaseUrl, createScratchDatabase, redactUrl } from './support'

export interface BenchDatabase extends DatabaseHandle {
  /** 'PostgreSQL' or 'embedded PGlite', for figure names. */
  label: string
  /** Closes the pool and drops the scratch database. */
  dispose(): Promise<void>
}

/**
 * A migrated scratch database on the bench PostgreSQL server (dropped by `dispose`), or embedded
 * PGlite in memory when none is set. PGlite serves one connection, whatever `poolSize` says.
 */
export async function openBenchDatabase(poolSize: number): Promise<BenchDatabase> {
  const baseUrl = benchDatabaseUrl()
  const scratch = baseUrl ? await createScratchDatabase(baseUrl) : undefined
  console.log(
    scratch
      ? `database: PostgreSQL at ${redactUrl(baseUrl!)} (scratch database, dropped afterwards), pool of ${poolSize}`
      : 'database: embedded PGlite, in memory, one connection (set BENCH_DATABASE_URL for PostgreSQL; targets are judged on PostgreSQL only)',
  )
  try {
    const handle = await openDatabase({ DATABASE_URL: scratch?.url, DATABASE_POOL_SIZE: poolSize, DATABASE_TIMEOUT_MS: 60_000, PGLITE_DATA_DIR: 'memory://' })
    await migrateToLatest(handle.db)
    return {
      ...handle,
      label: scratch ? 'PostgreSQL' : 'embedded PGlite',
      async dispose() {
        await handle.close()
        await scratch?.drop()
      },
    }
  } catch (error) {
    await scratch?.drop()
    throw error
  }
}

/** A user row to own bench rooms (room_status.owner_id references users). */
export async function insertBenchUser(db: Db): Promise<string> {
  const id = randomUUID()
  const tag = id.slice(0, 8)
  await db.insertInto('users').values({ id, email: `bench-${tag}@example.com`, username: `bench_${tag}`, password_hash: 'not-a-hash' }).execute()
  return id
}
