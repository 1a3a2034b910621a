import { openMigrated, withClient, type MigratedDatabase } from '../src/db/scratch'
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

/**
 * The WAL position of the PostgreSQL server at `url`, in bytes. Read before and after a
 * measurement, the difference is the WAL the server wrote meanwhile, for every database on it:
 * another database's writes, or a checkpoint that began shortly before (the first change to each
 * page after it logs the whole page, 8 KB), show as more WAL a command. With a CHECKPOINT issued
 * 2 s before a burst of 1,000 firings here: 3.2 KB a firing against 2.0 KB without.
 */
export async function walPosition(url: string): Promise<number> {
  return withClient(url, async (client) => Number((await client.query<{ bytes: string }>("select pg_current_wal_lsn() - '0/0'::pg_lsn as bytes")).rows[0]!.bytes))
}
