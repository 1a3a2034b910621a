import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { Kysely, PostgresDialect } from 'kysely'
import type { Config } from '../../config'
import type { Database, Db } from './database'
import type { Logger } from '../logger'
import { preparingPool } from './prepared'

// Counts and positions are bigint in SQL but stay far below 2^53 here: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))

export interface DatabaseHandle {
  db: Db
  pool: pg.Pool
  kind: 'postgres' | 'embedded'
  /** A connection string other clients (a LISTEN connection, a second process) can use, when there is one. */
  url: string
  close(): Promise<void>
}

export type DbConfig = Partial<Pick<Config, 'DATABASE_QUERY_TIMEOUT_MS' | 'DATABASE_KEEP_FREED_MB'>> & Pick<Config, 'DATABASE_URL' | 'DATABASE_POOL_SIZE' | 'DATABASE_TIMEOUT_MS' | 'PGLITE_DATA_DIR'>

/** Opens PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite database, both through pg + Kysely. */
export async function openDatabase(config: DbConfig, logger?: Logger): Promise<DatabaseHandle> {
  if (config.DATABASE_URL) {
    const queryTimeoutMs = config.DATABASE_QUERY_TIMEOUT_MS ?? 30_000
    const onConnect = keepFreedMemory(config.DATABASE_KEEP_FREED_MB ?? 8, queryTimeoutMs, logger)
    return openPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE, config.DATABASE_TIMEOUT_MS, queryTimeoutMs, 'postgres', logger, onConnect)
  }
  return openEmbedded(config, logger)
}

async function openEmbedded(config: DbConfig, logger?: Logger): Promise<DatabaseHandle> {
  const { PGlite } = await import('@electric-sql/pglite')
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket')
  const dir = config.PGLITE_DATA_DIR
  const unlock = dir.startsWith('memory://') ? () => {} : lockDataDir(dir)
  const lite = await PGlite.create(dir).catch((error) => {
    unlock()
    throw error
  })
  const server = new PGLiteSocketServer({ db: lite, host: '127.0.0.1', port: 0 })
  await server.start()
  const url = `postgres://postgres@${server.getServerConn()}/postgres`
  logger?.info({ dir }, 'embedded database (PGlite) opened')
  // PGlite is one session: a single pooled connection keeps one request's transaction
  // from ever interleaving with another's.
  const handle = openPool(url, 1, config.DATABASE_TIMEOUT_MS, config.DATABASE_QUERY_TIMEOUT_MS ?? 30_000, 'embedded', logger)
  const closePool = handle.close
  return {
    ...handle,
    async close() {
      await closePool()
      await server.stop()
      await lite.close()
      unlock()
    },
  }
}

function openPool(url: string, size: number, timeoutMs: number, queryTimeoutMs: number, kind: DatabaseHandle['kind'], logger?: Logger, onConnect?: (client: pg.ClientBase) => Promise<void>): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: size,
    // A fixed pool: connections once made stay open. Closing idle ones (after 30 s, as it did) left
    // deadlines that fall together after a quiet spell to open new connections, whose server
    // processes start with cold caches and prepare every statement again, in the middle of the burst
    // (10,000 deadlines within 1 s after 90 s of quiet: due → commit p99 414 and 495 ms, 300 and 377 ms fixed).
    min: size,
    connectionTimeoutMillis: timeoutMs,
    // A connection whose server went silent (no reset, packets dropped) must not hang a request:
    // TCP keep-alive notices the dead peer, and no query waits longer than the query timeout (preparingPool).
    keepAlive: true,
    application_name: 'mock-interview-api',
    // Runs on each new connection before the pool hands it out (no query of ours can overlap it).
    onConnect,
  })
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', (err) => logger?.warn({ err }, 'idle database connection failed'))
  // A client losing its server while checked out fails its query and also emits 'error', which the
  // pool only listens for on idle clients: unhandled, that event would crash the process.
  pool.on('connect', (client) => client.on('error', (err) => logger?.debug({ err }, 'database connection lost during a query')))
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool, queryTimeoutMs) }) })
  let closed = false
  return {
    db,
    pool,
    kind,
    url,
    async close() {
      if (closed) return
      closed = true
      await db.destroy()
    },
  }
}

/**
 * A hook for each new connection: its server process allocates and frees one block of `mb` MB. glibc's
 * malloc, which PostgreSQL uses on Linux, then keeps up to twice that much freed memory for the
 * process's next statements instead of handing it back to the system after each one (mallopt(3):
 * freeing a block above the dynamic mmap threshold raises that threshold to the block's size, and
 * the heap's trim threshold to twice that; blocks above 32 MB do not count). Handing memory back
 * and faulting it in again is cheap on bare metal, but a page fault costs about 14 µs on the
 * virtual machines here: a statement that builds a megabyte of JSON took 41–46 ms on a fresh
 * connection and 8–11 ms after this. The cost: each server process keeps up to 2 × `mb` MB it no
 * longer uses, until its connection closes. On another allocator (musl) the statement does
 * nothing lasting. 0: skip it.
 */
function keepFreedMemory(mb: number, timeoutMs: number, logger?: Logger): ((client: pg.ClientBase) => Promise<void>) | undefined {
  if (mb <= 0) return undefined
  // One block of 4 KB units, a page short of `mb` MB (its headers must not take it past 32 MB),
  // built at run time (generate_series: the planner would fold a constant, and copy it) and not
  // read (octet_length): about 28 ms for 8 MB here, nearly all of it faulting the block in.
  const statement = `select octet_length(repeat(repeat('x', 4096), n)) from generate_series(${mb * 256 - 1}, ${mb * 256 - 1}) n`
  // A failure costs only the saving: the connection is handed out all the same. A server gone
  // silent fails the statement at the query timeout, and the first query on it then meets the
  // pool's watchdog (preparingPool), which closes the connection.
  return (client) => client.query({ text: statement, query_timeout: timeoutMs } as pg.QueryConfig).then(
    () => undefined,
    (err: unknown) => logger?.debug({ err }, 'could not set the server process up to keep its freed memory'),
  )
}

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt
 * it. A lock file naming the owner's pid refuses that with a clear message.
 */
function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true })
  const lockFile = join(dir, 'service.lock')
  const owner = Number.parseInt(safeRead(lockFile), 10)
  if (owner && owner !== process.pid && isAlive(owner)) {
    throw new Error(`The embedded database in ${dir} is in use by process ${owner}. Stop it first, or point DATABASE_URL at a PostgreSQL server shared by both.`)
  }
  writeFileSync(lockFile, String(process.pid))
  return () => rmSync(lockFile, { force: true })
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
