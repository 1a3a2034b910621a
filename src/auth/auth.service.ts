import { hash, verify } from '@node-rs/bcrypt'
import type { Config } from '../../config'
import { sessionOf } from './token'
import type { Db } from '../db/database'
import type { UserRow } from '../db/user.table'
import type { Clock, IdGenerator } from '../clock'
import { isUniqueViolation } from '../db/errors'
import { ConflictError, RateLimitedError, UnauthorizedError } from '../http/errors'
import { findUserByEmail, insertUser, revokeToken } from './auth.repository'
import type { LoginBody, RegisterBody, UserResponse } from './auth.schemas'
import { RateLimiter } from './rate-limiter'
import type { RevocationCache } from './revocations'
import type { UserCache } from './user-cache'
import { signToken, verifyToken, type Claims, type TokenConfig } from './token'

export interface AuthDeps {
  db: Db
  config: Config
  clock: Clock
  newId: IdGenerator
  revocations: RevocationCache
  users: UserCache
}

export type AuthenticatedUser = Omit<UserRow, 'password_hash' | 'updated_at'> & { token: Claims }

export const toUserResponse = (u: Omit<UserRow, 'password_hash' | 'updated_at'>): UserResponse => ({
  id: u.id,
  email: u.email,
  username: u.username,
  role: u.role,
  created_at: u.created_at.toISOString(),
})

const STREAM_SCOPE = 'stream'

export type AuthService = ReturnType<typeof createAuthService>

export function createAuthService({ db, config, clock, newId, revocations, users }: AuthDeps) {
  const limiter = new RateLimiter(config.LOGIN_RATE_LIMIT, config.LOGIN_RATE_WINDOW_SECONDS * 1000)
  // Compared against when the email is unknown, so both failures cost one bcrypt verify.
  const dummyHash = hash('not-a-real-password', config.BCRYPT_ROUNDS)
  const tokenConfig: TokenConfig = config

  async function register(body: RegisterBody): Promise<UserResponse> {
    const password_hash = await hash(body.password, config.BCRYPT_ROUNDS)
    try {
      const user = await insertUser(db, { id: newId(), email: body.email, username: body.username, password_hash })
      return toUserResponse(user)
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_key')) throw new ConflictError('Email is already registered', [{ path: 'email', message: 'already registered' }])
      if (isUniqueViolation(error, 'users_username_key')) throw new ConflictError('Username is taken', [{ path: 'username', message: 'already taken' }])
      throw error
    }
  }

  async function login(body: LoginBody, clientKey: string) {
    const limitKey = `${clientKey}|${body.email}`
    const wait = limiter.hit(limitKey, clock().getTime())
    if (wait > 0) throw new RateLimitedError(wait)
    const user = await findUserByEmail(db, body.email)
    const ok = await verify(body.password, user?.password_hash ?? (await dummyHash))
    if (!user || !ok) throw new UnauthorizedError('Email or password is incorrect')
    limiter.reset(limitKey)
    const issued = await signToken(tokenConfig, user.id, clock())
    return { access_token: issued.token, token_type: 'bearer' as const, expires_in: issued.expiresIn, user: toUserResponse(user) }
  }

  /**
   * Resolves a token to its user; expired, revoked, forged or orphaned tokens are all 401.
   * Without `streamOf` only a full user token passes; with it, only a stream token for that room.
   */
  async function authenticate(token: string, streamOf?: { roomId: string }): Promise<AuthenticatedUser> {
    const claims = await verifyToken(tokenConfig, token, clock())
    if (streamOf) {
      if (claims.scope !== STREAM_SCOPE || claims.room_id !== streamOf.roomId) throw new UnauthorizedError('This stream token is not valid for this room')
      // A stream token dies with the login session it was issued from (logout revokes that).
      if (claims.sid !== undefined && revocations.isRevoked(claims.sid)) throw new UnauthorizedError('The session this stream token was issued from has logged out')
    } else if (claims.scope !== undefined || claims.room_id !== undefined || claims.sid !== undefined) {
      // Any scope (even an empty one) or room binding marks a narrowed token, never a full user token.
      throw new UnauthorizedError('A scoped token cannot be used here')
    }
    const user = revocations.isRevoked(claims.jti) ? undefined : await users.find(claims.sub)
    if (!user) throw new UnauthorizedError('Token is revoked or its user no longer exists')
    return { id: user.id, email: user.email, username: user.username, role: user.role, created_at: user.created_at, token: claims }
  }

  async function logout(user: AuthenticatedUser): Promise<void> {
    const expiresAt = new Date(user.token.exp * 1000)
    await revokeToken(db, { jti: user.token.jti, userId: user.id, expiresAt })
    revocations.add(user.token.jti, expiresAt.getTime())
  }

  /** A short-lived token that only opens the event stream of one room (EventSource cannot send headers). */
  async function issueStreamToken(user: AuthenticatedUser, roomId: string) {
    const issued = await signToken(tokenConfig, user.id, clock(), { ttlSeconds: config.STREAM_TOKEN_TTL_SECONDS, extra: { scope: STREAM_SCOPE, room_id: roomId, sid: sessionOf(user.token) } })
    return { token: issued.token, token_type: 'stream' as const, expires_in: issued.expiresIn, room_id: roomId }
  }

  return { register, login, authenticate, logout, issueStreamToken }
}
