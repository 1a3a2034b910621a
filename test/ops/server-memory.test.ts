import { expect } from 'chai'
import { existsSync, readFileSync } from 'node:fs'
import { sql } from 'kysely'
import { openDatabase, type DatabaseHandle } from '../../src/db/connection'
import { realPostgresUrl } from '../support/database'
import { minorFaults } from '../support/proc'
import { skipUnless } from '../support/skip'

// Builds and drops about a megabyte of JSON: several megabytes of the server process's memory, freed at its end.
const BUILD_JSON = sql`select octet_length(jsonb_agg(x)::text) from (select jsonb_build_object('n', n, 'text', repeat('y', 200)) x from generate_series(1, 5000) n) s`
const RUNS = 5

/** The faults the server process of a one-connection pool takes over RUNS statements, after one to reach its peak; undefined when that process cannot be watched from here. */
async function faultsPerStatement(keepFreedMb: number): Promise<number | undefined> {
  let handle: DatabaseHandle | undefined
  try {
    handle = await openDatabase({ DATABASE_URL: realPostgresUrl, DATABASE_POOL_SIZE: 1, DATABASE_TIMEOUT_MS: 10_000, PGLITE_DATA_DIR: 'memory://', DATABASE_KEEP_FREED_MB: keepFreedMb })
    const { pid } = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db)).rows[0]!
    // The server runs here, in this pid namespace, on glibc (the setting is glibc's), or there is nothing to watch.
    const maps = `/proc/${pid}/maps`
    if (!existsSync(maps) || readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres' || !readFileSync(maps, 'utf8').includes('libc.so.6')) return undefined
    await BUILD_JSON.execute(handle.db)
    const before = minorFaults(pid)
    for (let i = 0; i < RUNS; i++) await BUILD_JSON.execute(handle.db)
    return (minorFaults(pid) - before) / RUNS
  } finally {
    await handle?.close()
  }
}

describe('PostgreSQL server processes keep the memory their statements free (DATABASE_KEEP_FREED_MB)', function () {
  this.timeout(30_000)

  before(function () {
    skipUnless(this, realPostgresUrl, 'needs real PostgreSQL (TEST_DATABASE_URL): it watches a server process')
  })

  it("has a pooled connection's server process fault in a statement's memory once, not on every statement", async function () {
    const kept = await faultsPerStatement(8)
    skipUnless(this, kept !== undefined, "needs the PostgreSQL server on this machine, on glibc: it reads the server process's page faults from /proc")
    const handedBack = (await faultsPerStatement(0))!
    // Here about 2,400 a statement handed back, against none kept.
    expect(handedBack, 'page faults a statement with the server default').to.be.above(500)
    expect(kept, 'page faults a statement, kept').to.be.below(handedBack / 5)
  })
})
