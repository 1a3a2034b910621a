import { randomBytes, randomUUID } from 'node:crypto'
import pg from 'pg'
import { openDatabase, type DatabaseHandle, type DbConfig } from './connection'
import type { Db } from './database'
import { migrateToLatest } from './migrate'

export interface ScratchDatabase {
  url: string
  /** Drops it, closing whatever is still connected to it. */
  drop(): Promise<void>
}

/**
 * Creates a uniquely named database (`<prefix>_<time>_<random>`) on the server `baseUrl` points
 * at, so tests and benchmarks never leave tables or rows in a database someone else uses.
 */
export async function createScratchDatabase(baseUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`
  await withClient(baseUrl, async (client) => {
    await dropLeftovers(client, prefix)
    await client.query(`create database ${name}`)
  })
  const url = new URL(baseUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: () => withClient(baseUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  }
}

export interface MigratedDatabase extends DatabaseHandle {
  /** Closes it and drops the scratch database, if there is one. */
  dispose(): Promise<void>
}

/**
 * Opens `scratch` (or, without one, what `config` names: PGlite in memory, say) and migrates it,
 * for a test or a bench that needs a database of its own. `dispose` closes it and drops `scratch`;
 * so does a failure to open or migrate it.
 */
export async function openMigrated(scratch: ScratchDatabase | undefined, config: Omit<DbConfig, 'DATABASE_URL'>): Promise<MigratedDatabase> {
  try {
    const handle = await openDatabase({ ...config, DATABASE_URL: scratch?.url })
    await migrateToLatest(handle.db)
    return {
      ...handle,
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

/** A user row (that cannot log in) to own rooms in a scratch database: room_status.owner_id references users. Returns its id. */
export async function insertScratchUser(db: Db, prefix: string): Promise<string> {
  const id = randomUUID()
  const tag = id.slice(0, 8)
  await db.insertInto('users').values({ id, email: `${prefix}-${tag}@example.com`, username: `${prefix}_${tag}`, password_hash: 'not-a-hash' }).execute()
  return id
}

/** A scratch database older than this was left by a run that was killed before it could drop it. */
const LEFTOVER_AGE_MS = 6 * 60 * 60 * 1000

/**
 * Drops the leftovers of `prefix`: scratch databases older than LEFTOVER_AGE_MS. Without force, so
 * one that somebody is still connected to stays; a drop that fails is left for the next run.
 */
async function dropLeftovers(client: pg.Client, prefix: string): Promise<void> {
  const { rows } = await client.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [`${prefix}_`])
  for (const { datname } of rows) {
    // `<prefix>_<time>_<random>` as made above; anything else is not ours to drop.
    const made = /^([a-z0-9]+)_[a-f0-9]{6}$/.exec(datname.slice(prefix.length + 1))?.[1]
    if (made === undefined || Date.now() - parseInt(made, 36) < LEFTOVER_AGE_MS) continue
    await client.query(`drop database if exists ${datname}`).catch(() => undefined)
  }
}

/** Runs `use` on a connection of its own to `url`, closed afterwards. */
export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await use(client)
  } finally {
    await client.end()
  }
}
