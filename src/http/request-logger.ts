import type { Middleware } from 'koa'
import type { Logger } from '../logger'

const SECRET_QUERY = /([?&](?:access_token|token|stream_token|password)=)[^&]*/gi

/** Redacts credentials carried in a URL (EventSource cannot send headers, so tokens travel in the query). */
export const redactUrl = (url: string): string => url.replace(SECRET_QUERY, '$1[redacted]')

/** One log line per request: method, path, status, duration, user and request id. Never bodies or headers. */
export const requestLogger = (logger: Logger): Middleware => async (ctx, next) => {
  const started = performance.now()
  try {
    await next()
  } finally {
    const fields = {
      method: ctx.method,
      path: redactUrl(ctx.originalUrl),
      status: ctx.status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
      user_id: ctx.state.user?.id,
      request_id: ctx.state.requestId,
    }
    if (ctx.status >= 500) logger.error(fields, 'request failed')
    else logger.info(fields, 'request')
  }
}
