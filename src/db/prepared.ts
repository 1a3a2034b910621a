import type { PostgresPool, PostgresPoolClient } from 'kysely'
import type pg from 'pg'

/**
 * Put at the start of a query's SQL to run it as a named prepared statement: PostgreSQL parses and
 * plans it once per connection instead of on every call. Only for fixed SQL texts (hot paths such
 * as the event append): each distinct text stays prepared on every connection for its lifetime.
 */
export const PREPARE = '/* prepare */ '

const names = new Map<string, string>()

/** One statement name per distinct text, the same on every connection. */
function statementName(text: string): string {
  let name = names.get(text)
  if (name === undefined) {
    name = `mi_${names.size + 1}`
    names.set(text, name)
  }
  return name
}

/**
 * The pool as Kysely sees it: queries marked with {@link PREPARE} go out as named statements,
 * everything else unchanged. Each pg client keeps one wrapper, as Kysely keys its connections by it.
 */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>()
  // pg's query takes both shapes Kysely passes: SQL text with values, or a cursor object.
  const wrap = (client: pg.PoolClient) =>
    ({
      query: (text: string | object, values?: unknown[]) =>
        typeof text === 'string' && text.startsWith(PREPARE) ? client.query({ name: statementName(text), text, values }) : client.query(text as string, values),
      release: (destroy?: boolean) => client.release(destroy),
    }) as unknown as PostgresPoolClient
  return {
    async connect() {
      const client = await pool.connect()
      let wrapper = wrappers.get(client)
      if (!wrapper) wrappers.set(client, (wrapper = wrap(client)))
      return wrapper
    },
    end: () => pool.end(),
  }
}
