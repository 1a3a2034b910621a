import { sql } from 'kysely'
import type { Db, Tx } from '../db/database'
import { PREPARE } from '../db/prepared'

/** How long an Idempotency-Key answers with its first answer; after that it is forgotten. */
export const IDEMPOTENCY_TTL_HOURS = 24

export interface StoredAnswer {
  status: number
  body: unknown
}

export interface IdempotencyRecord extends StoredAnswer {
  userId: string
  key: string
  fingerprint: string
  roomId: string
}

/**
 * The answer stored under a user's key within the last 24 h, if any. The same statement deletes
 * that key's expired row, so the key can be written again.
 */
export async function findIdempotencyRecord(db: Db, userId: string, key: string): Promise<(StoredAnswer & { fingerprint: string }) | undefined> {
  const result = await sql<{ fingerprint: string; status: number; body: unknown }>`${sql.raw(PREPARE)}
    with expired as (
      delete from idempotency_keys
       where user_id = ${userId} and key = ${key} and created_at <= now() - make_interval(hours => ${IDEMPOTENCY_TTL_HOURS}))
    select fingerprint, status, body from idempotency_keys
     where user_id = ${userId} and key = ${key} and created_at > now() - make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})`.execute(db)
  return result.rows[0]
}

/**
 * Stores a command's answer under its key, alone: only for a command that appends nothing (the
 * usual record goes in the statement that writes the facts, see writeRoomBatch). A plain insert:
 * if another request stored the key first, the unique violation says so.
 */
export async function insertIdempotencyRecord(tx: Tx | Db, record: IdempotencyRecord): Promise<void> {
  await sql`${sql.raw(PREPARE)}
    insert into idempotency_keys (user_id, key, fingerprint, room_id, status, body)
    values (${record.userId}, ${record.key}, ${record.fingerprint}, ${record.roomId}, ${record.status}, ${JSON.stringify(record.body)}::json)`.execute(tx)
}

/** Deletes up to `limit` keys older than 24 h; returns how many. */
export async function deleteExpiredIdempotencyKeys(db: Db, limit: number): Promise<number> {
  const result = await sql`
    delete from idempotency_keys where (user_id, key) in (
      select user_id, key from idempotency_keys
       where created_at <= now() - make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})
       limit ${limit}
         for update skip locked)`.execute(db)
  return Number(result.numAffectedRows ?? 0)
}

/** The constraint a second writer of the same key runs into. */
export const IDEMPOTENCY_KEY_CONSTRAINT = 'idempotency_keys_pk'
