import type { Middleware } from 'koa'
import { UnauthorizedError } from './errors'

const BEARER = /^Bearer ([A-Za-z0-9_\-.]+)$/i

export function bearerToken(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header.trim())?.[1] : undefined
}

/** Requires a valid, unrevoked bearer token; puts the user on ctx.state.user. */
export const requireUser = (): Middleware => async (ctx, next) => {
  const token = bearerToken(ctx.get('Authorization'))
  if (!token) throw new UnauthorizedError(ctx.get('Authorization') ? 'Authorization header must be "Bearer <token>"' : 'Authentication required')
  ctx.state.user = await ctx.deps.auth.authenticate(token)
  await next()
}
