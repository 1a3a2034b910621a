import { CompiledQuery, type Compilable, type Kysely, type RawBuilder } from 'kysely'
import type { Database } from './database'
import { PREPARE } from './prepared'

/**
 * A query for a hot path: built and compiled by Kysely once, then only its parameters change.
 * The builder (a query builder or a `sql` template) must take exactly its arguments as its
 * parameters, in order (checked on the first call), so the compiled SQL can be reused with new
 * values; it runs as a prepared statement.
 */
export function precompiled<A extends unknown[], R>(build: (db: Kysely<Database>, ...args: A) => Compilable<R> | RawBuilder<R>) {
  let sqlText: string | undefined
  return async (db: Kysely<Database>, ...args: A): Promise<R[]> => {
    if (sqlText !== undefined) return (await db.executeQuery<R>(CompiledQuery.raw(sqlText, args))).rows
    const query = build(db, ...args)
    const compiled = 'isRawBuilder' in query ? query.compile(db) : query.compile()
    if (compiled.parameters.length !== args.length || compiled.parameters.some((p, i) => p !== args[i])) {
      throw new Error(`precompiled query must take its arguments as its parameters, in order: ${compiled.sql}`)
    }
    sqlText = PREPARE + compiled.sql
    return (await db.executeQuery<R>(CompiledQuery.raw(sqlText, args))).rows
  }
}
