import { randomUUID } from 'node:crypto'
import type { Db } from '../src/db/database'
import { openMigrated, type MigratedDatabase } from '../src/db/scratch'
import { benchDatabaseUrl, createScratchDatabase, redactUrl } from './support'

export interface BenchDatabase extends MigratedDatabase {
  /** 'PostgreSQL' or 'embedded PGlite', for figure names. */
  label: string
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
  const handle = await openMigrated(scratch, { DATABASE_POOL_SIZE: poolSize, DATABASE_TIMEOUT_MS: 60_000, PGLITE_DATA_DIR: 'memory://' })
  return { ...handle, label: scratch ? 'PostgreSQL' : 'embedded PGlite' }
}

/** A user row to own bench rooms (room_status.owner_id references users). */
export async function insertBenchUser(db: Db): Promise<string> {
  const id = randomUUID()
  const tag = id.slice(0, 8)
  await db.insertInto('users').values({ id, email: `bench-${tag}@example.com`, username: `bench_${tag}`, password_hash: 'not-a-hash' }).execute()
  return id
}
