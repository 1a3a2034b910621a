import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto'
import { SignJWT, jwtVerify, errors } from 'jose'
import type { Config } from '../../config'
import { UnauthorizedError } from '../http/errors'
import { z } from 'zod'

export type TokenConfig = Pick<Config, 'JWT_SECRET_KEY' | 'JWT_EXPIRE_MINUTES' | 'JWT_ISSUER' | 'JWT_AUDIENCE'>

const Claims = z.object({
  sub: z.string().uuid(),
  jti: z.string().min(1),
  iat: z.number(),
  exp: z.number(),
  scope: z.string().optional(),
  room_id: z.string().optional(),
  /** On a stream token: the jti of the user token it was issued from (its session). */
  sid: z.string().optional(),
})
export type Claims = z.infer<typeof Claims>

/** The login session a token belongs to: a user token is its own, a stream token names the one it came from. */
export const sessionOf = (claims: Pick<Claims, 'jti' | 'sid'>): string => claims.sid ?? claims.jti

export interface IssuedToken {
  token: string
  jti: string
  expiresAt: Date
  expiresIn: number
}

// jose imports a raw secret on every call; a KeyObject made once per secret skips that work.
const keys = new Map<string, KeyObject>()
function key(config: TokenConfig): KeyObject {
  let k = keys.get(config.JWT_SECRET_KEY)
  if (!k) keys.set(config.JWT_SECRET_KEY, (k = createSecretKey(Buffer.from(config.JWT_SECRET_KEY, 'utf8'))))
  return k
}

/** Signs an HS256 token for a user; `extra` narrows it (a room-scoped stream token, say). */
export async function signToken(
  config: TokenConfig,
  userId: string,
  now: Date,
  options: { ttlSeconds?: number; extra?: Record<string, string> } = {},
): Promise<IssuedToken> {
  const jti = randomUUID()
  const iat = Math.floor(now.getTime() / 1000)
  const ttl = options.ttlSeconds ?? config.JWT_EXPIRE_MINUTES * 60
  const token = await new SignJWT({ ...options.extra })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setJti(jti)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .sign(key(config))
  return { token, jti, expiresAt: new Date((iat + ttl) * 1000), expiresIn: ttl }
}

// Verifying an HS256 signature through WebCrypto costs more than the rest of a request. Its result
// depends only on the token and the key, so tokens verified once are remembered until they expire.
// (Revocation and the user's existence are still checked in the database on every request.)
const verified = new WeakMap<TokenConfig, Map<string, Claims>>()
const VERIFIED_MAX = 10_000

/** Verifies signature (HS256 only), issuer, audience and expiry; any failure is a 401. */
export async function verifyToken(config: TokenConfig, token: string, now: Date): Promise<Claims> {
  let cache = verified.get(config)
  if (!cache) verified.set(config, (cache = new Map()))
  const known = cache.get(token)
  if (known) {
    if (known.exp * 1000 > now.getTime()) return known
    cache.delete(token)
    throw new UnauthorizedError('Token has expired')
  }
  const claims = await verifyWithJose(config, token, now)
  if (cache.size >= VERIFIED_MAX) cache.delete(cache.keys().next().value!)
  cache.set(token, claims)
  return claims
}

async function verifyWithJose(config: TokenConfig, token: string, now: Date): Promise<Claims> {
  try {
    const { payload } = await jwtVerify(token, key(config), {
      algorithms: ['HS256'],
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      currentDate: now,
      requiredClaims: ['sub', 'jti', 'iat', 'exp'],
    })
    const claims = Claims.safeParse(payload)
    if (!claims.success) throw new UnauthorizedError('Token claims are invalid')
    return claims.data
  } catch (error) {
    if (error instanceof UnauthorizedError) throw error
    if (error instanceof errors.JWTExpired) throw new UnauthorizedError('Token has expired')
    throw new UnauthorizedError('Token is invalid')
  }
}
