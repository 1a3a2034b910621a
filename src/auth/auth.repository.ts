import { sql } from 'kysely'
import type { Db } from '../db/database'
import { precompiled } from '../db/precompiled'
import type { NewUserRow, UserRow } from '../db/user.table'

export async function insertUser(db: Db, user: NewUserRow): Promise<UserRow> {
  return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow()
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst()
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
}

/** The NOTIFY channel a revocation is announced on; the payload is `<jti> <expires at, epoch ms>`. */
export const REVOKED_CHANNEL = 'mi_revoked'

const userById = precompiled((db: Db, userId: string) => db.selectFrom('users').selectAll().where('id', '=', userId))

/** The token's user (revocation is checked in memory: see RevocationCache). */
export async function findUserForToken(db: Db, userId: string): Promise<UserRow | undefined> {
  return (await userById(db, userId))[0]
}

/**
 * Records the revocation and announces it to every process (NOTIFY is delivered on commit, so
 * nobody hears of a revocation that is not stored).
 */
export async function revokeToken(db: Db, token: { jti: string; userId: string; expiresAt: Date }): Promise<void> {
  await sql`
    with revoked as (
      insert into revoked_tokens (jti, user_id, expires_at) values (${token.jti}, ${token.userId}, ${token.expiresAt})
      on conflict (jti) do nothing
      returning jti)
    select pg_notify(${REVOKED_CHANNEL}, jti || ' ' || ${String(token.expiresAt.getTime())}) from revoked`.execute(db)
}

/** Every revocation of a token that has not expired yet. */
export async function listRevocations(db: Db, now: Date): Promise<{ jti: string; expires_at: Date }[]> {
  return db.selectFrom('revoked_tokens').select(['jti', 'expires_at']).where('expires_at', '>=', now).execute()
}

/** Revocations of tokens that have expired anyway are dead weight. */
export async function deleteExpiredRevocations(db: Db, now: Date): Promise<number> {
  const result = await db.deleteFrom('revoked_tokens').where('expires_at', '<', now).executeTakeFirst()
  return Number(result.numDeletedRows)
}
