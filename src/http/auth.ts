import type { Middleware } from 'koa'
import { UnauthorizedError } from './errors'

const BEARER = /^Bearer ([A-Za-z0-9_\-.]+)$/i

export function bearerToken(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header.trim())?.[1] : undefined
}

// EventSource cannot send headers: a room's event stream also takes a stream token in the query.
const EVENTS_PATH = /^\/api\/interview\/([A-Za-z0-9_-]{1,64})\/events$/

/** Requires a valid, unrevoked bearer token (or a room's stream token on its event stream); puts the user on ctx.state.user. */
export const requireUser = (): Middleware => async (ctx, next) => {
  const token = bearerToken(ctx.get('Authorization'))
  const streamRoom = EVENTS_PATH.exec(ctx.path)?.[1]
  const queryToken = typeof ctx.query.access_token === 'string' ? ctx.query.access_token : undefined
  if (token) ctx.state.user = await ctx.deps.auth.authenticate(token)
  else if (streamRoom && queryToken) ctx.state.user = await ctx.deps.auth.authenticate(queryToken, { roomId: streamRoom })
  else throw new UnauthorizedError(ctx.get('Authorization') ? 'Authorization header must be "Bearer <token>"' : 'Authentication required')
  await next()
}

/** Like requireUser when a bearer token is sent (a bad one is 401); without one the route runs anonymously. */
export const optionalUser = (): Middleware => async (ctx, next) => {
  if (ctx.get('Authorization')) {
    const token = bearerToken(ctx.get('Authorization'))
    if (!token) throw new UnauthorizedError('Authorization header must be "Bearer <token>"')
    ctx.state.user = await ctx.deps.auth.authenticate(token)
  }
  await next()
}
