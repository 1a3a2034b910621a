import { randomUUID } from 'node:crypto'
import type { Middleware } from 'koa'

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** Accepts a sane `X-Request-Id` or makes one, and echoes it on the response. */
export const requestId = (): Middleware => async (ctx, next) => {
  const given = ctx.get('X-Request-Id')
  ctx.state.requestId = SAFE_ID.test(given) ? given : randomUUID()
  ctx.set('X-Request-Id', ctx.state.requestId)
  await next()
}
