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

const userForToken = precompiled((db: Db, userId: string, jti: string) =>
  db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', userId)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('revoked_tokens').select(sql.lit(1).as('one')).where('jti', '=', jti)))),
)

/** The token's user, unless the token was revoked: one round trip for every authenticated request. */
export async function findUserForToken(db: Db, userId: string, jti: string): Promise<UserRow | undefined> {
  return (await userForToken(db, userId, jti))[0]
}

export async function revokeToken(db: Db, token: { jti: string; userId: string; expiresAt: Date }): Promise<void> {
  await db
    .insertInto('revoked_tokens')
    .values({ jti: token.jti, user_id: token.userId, expires_at: token.expiresAt })
    .onConflict((oc) => oc.column('jti').doNothing())
    .execute()
}

/** Revocations of tokens that have expired anyway are dead weight. */
export async function deleteExpiredRevocations(db: Db, now: Date): Promise<number> {
  const result = await db.deleteFrom('revoked_tokens').where('expires_at', '<', now).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** Which of these token ids are revoked (a stream token's session; the sessions holding streams open). */
export async function findRevoked(db: Db, jtis: string[]): Promise<string[]> {
  if (jtis.length === 0) return []
  const rows = await db.selectFrom('revoked_tokens').select('jti').where('jti', 'in', jtis).execute()
  return rows.map((r) => r.jti)
}
