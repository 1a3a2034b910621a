import type { Middleware } from 'koa'
import { AppError, ValidationError } from './errors'

/**
 * Request bodies are JSON in UTF-8 or nothing. A body of another type used to be ignored, so a
 * command sent as text/plain or a form still ran, with its input silently dropped: refuse it (415).
 * A request without a body gets the `{}` the body parser would make of it, so the parser skips it:
 * most commands (pause, resume, skip …) have none, and the parser would still read their empty
 * stream, a turn of the event loop later.
 */
export const jsonBodiesOnly = (): Middleware => async (ctx, next) => {
  const length = ctx.request.length
  const hasBody = length === undefined ? ctx.get('Transfer-Encoding') !== '' : length > 0
  if (hasBody) {
    if (!ctx.request.is('application/json', '+json')) throw new AppError(415, 'unsupported_media_type', 'Request bodies must be JSON (Content-Type: application/json)')
    const charset = ctx.request.charset.toLowerCase()
    if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new AppError(415, 'unsupported_media_type', 'JSON request bodies must be UTF-8')
  } else ctx.request.body = {}
  await next()
}

// PostgreSQL text and jsonb cannot hold U+0000, and an unpaired surrogate is not Unicode at all
// (it would be stored as U+FFFD, silently changed): either is bad input, not a database error.
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const MESSAGE = 'must not contain NUL characters or unpaired surrogates'

/** Refuses (400) a path, query or JSON body holding text the database cannot store. */
export const storableText = (): Middleware => async (ctx, next) => {
  if (/%00/i.test(ctx.path)) throw new ValidationError(`Invalid path: ${MESSAGE}`, [{ path: 'params', message: MESSAGE }])
  for (const [key, value] of Object.entries(ctx.query)) {
    if ([key, ...(Array.isArray(value) ? value : [value ?? ''])].some((v) => UNSTORABLE.test(v))) {
      throw new ValidationError(`Invalid query: ${key}`, [{ path: `query.${key}`, message: MESSAGE }])
    }
  }
  const bad = unstorablePath(ctx.request.body)
  if (bad !== undefined) throw new ValidationError(`Invalid body: ${bad}`, [{ path: bad, message: MESSAGE }])
  await next()
}

/** The path of the first unstorable string (or key) in a parsed JSON value. Iterative: a body may nest deeper than the stack. */
function unstorablePath(body: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[body, 'body']]
  while (stack.length > 0) {
    const [value, path] = stack.pop()!
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return path
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (UNSTORABLE.test(key)) return path
        stack.push([item, `${path}.${key}`])
      }
    }
  }
  return undefined
}
