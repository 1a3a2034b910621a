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

type Settle = { resolve: (result: pg.QueryResult) => void; reject: (error: Error) => void }

/**
 * One pool client's queries, answered in the order sent, and its watchdog: a connection that
 * leaves a query without an answer for `timeoutMs` (a server gone silent, packets dropped) fails
 * every query waiting on it and is closed, so the pool replaces it.
 *
 * One timer per connection, pushed back as each answer arrives, instead of pg's `query_timeout`,
 * which arms a timer and wraps the callback for every query: under load those (and pg's
 * promise-returning query) kept each query's objects alive through a young collection, and V8
 * then copied and promoted megabytes a collection that died right after.
 */
class WatchedClient {
  private readonly waiting: Settle[] = []
  private readonly watchdog: NodeJS.Timeout
  readonly wrapper: PostgresPoolClient

  constructor(
    private readonly client: pg.PoolClient,
    private readonly timeoutMs: number,
  ) {
    this.watchdog = setTimeout(() => this.silent(), timeoutMs).unref()
    client.once('end', () => clearTimeout(this.watchdog))
    this.wrapper = {
      // pg's query takes both shapes Kysely passes: SQL text with values, or a cursor object (left to pg).
      query: (text: string | object, values?: unknown[]) => (typeof text === 'string' ? this.query(text, values) : client.query(text as pg.Submittable)),
      release: (destroy?: boolean) => client.release(destroy),
    } as unknown as PostgresPoolClient
  }

  private query(text: string, values: unknown[] | undefined): Promise<pg.QueryResult> {
    return new Promise((resolve, reject) => {
      const settle = { resolve, reject }
      const answered = (error: Error | null, result: pg.QueryResult) => this.answered(settle, error, result)
      // pg answers through the callback, never before it returns; a query it refuses at once throws (and rejects here).
      if (text.startsWith(PREPARE)) this.client.query({ name: statementName(text), text, values }, answered)
      else this.client.query(text, values ?? [], answered)
      if (this.waiting.push(settle) === 1) this.watchdog.refresh()
    })
  }

  private answered(settle: Settle, error: Error | null, result: pg.QueryResult): void {
    const at = this.waiting.indexOf(settle)
    if (at === -1) return // already failed by the watchdog
    this.waiting.splice(at, 1)
    if (this.waiting.length > 0) this.watchdog.refresh()
    if (error) settle.reject(error)
    else settle.resolve(result)
  }

  private silent(): void {
    if (this.waiting.length === 0) return
    const failed = this.waiting.splice(0)
    const error = new Error(`Query read timeout: the database sent no answer for ${this.timeoutMs} ms; the connection was closed`)
    for (const { reject } of failed) reject(error)
    ;(this.client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
  }
}

/**
 * The pool as Kysely sees it: queries marked with {@link PREPARE} go out as named statements,
 * everything else unchanged; no query waits longer than `queryTimeoutMs` for the server's answer
 * (see {@link WatchedClient}). Each pg client keeps one wrapper, as Kysely keys its connections by it.
 */
export function preparingPool(pool: pg.Pool, queryTimeoutMs: number): PostgresPool {
  const watched = new WeakMap<pg.PoolClient, WatchedClient>()
  return {
    async connect() {
      const client = await pool.connect()
      let one = watched.get(client)
      if (!one) watched.set(client, (one = new WatchedClient(client, queryTimeoutMs)))
      return one.wrapper
    },
    end: () => pool.end(),
  }
}
