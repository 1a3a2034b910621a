import type { Middleware } from 'koa'
import type { Logger } from '../logger'

/** Parameter names (compared decoded, case-insensitively; `name[]` too) whose values never reach a log. */
const SECRET_NAME = /^(?:access_token|token|stream_token|password)(?:\[[^\]]*\])?$/i

/** `%61ccess_token` and `access%5Ftoken` name the same parameter as `access_token`: compare names decoded. */
function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).trim()
  } catch {
    return raw
  }
}

/** Redacts credentials carried in a URL (EventSource cannot send headers, so tokens travel in the query). */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?')
  if (mark < 0) return url
  const [query, fragment] = splitOnce(url.slice(mark + 1), '#')
  const pairs = query.split('&').map((pair) => {
    const [name, value] = splitOnce(pair, '=')
    return value !== undefined && SECRET_NAME.test(decodedName(name)) ? `${name}=[redacted]` : pair
  })
  return `${url.slice(0, mark + 1)}${pairs.join('&')}${fragment === undefined ? '' : `#${fragment}`}`
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator)
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)]
}

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
