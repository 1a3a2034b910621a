import type { Middleware } from 'koa'
import type { ZodError } from 'zod'
import { AppError, UnavailableError } from './errors'
import { zodDetails } from './validation'
import { isDatabaseUnavailable } from '../db/errors'

/** Turns a thrown error into `{ error: { code, message, details? }, request_id }`; anything unknown is a logged 500. */
export const errorHandler = (): Middleware => async (ctx, next) => {
  try {
    await next()
    // respond === false: the route wrote the response itself (an event stream).
    if (ctx.status === 404 && ctx.body === undefined && ctx.respond !== false) {
      throw new AppError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}`)
    }
    // The router's 405 (its Allow header stays) would otherwise go out as plain text.
    if (ctx.status === 405 && ctx.body === undefined) {
      throw new AppError(405, 'method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}; allowed: ${ctx.response.get('Allow')}`)
    }
  } catch (thrown) {
    const error = toAppError(thrown)
    if (error.status >= 500 && !(thrown instanceof AppError)) {
      ctx.deps.logger.error({ err: thrown, request_id: ctx.state.requestId }, 'unhandled error')
    }
    ctx.status = error.status
    ctx.set(error.headers)
    ctx.body = {
      error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) },
      request_id: ctx.state.requestId,
    }
  }
}

function toAppError(thrown: unknown): AppError {
  if (thrown instanceof AppError) return thrown
  if (isZodError(thrown)) {
    const details = zodDetails(thrown)
    return new AppError(400, 'validation_error', `Invalid request: ${details.map((d) => d.path).join(', ')}`, details)
  }
  if (isDatabaseUnavailable(thrown)) return new UnavailableError('The database is unavailable; retry shortly', 'database_unavailable')
  const http = thrown as { status?: number; expose?: boolean; message?: string; type?: string }
  if (typeof http.status === 'number' && http.status >= 400 && http.status < 500) {
    if (http.status === 413) return new AppError(413, 'payload_too_large', 'Request body is too large')
    if (http.status === 415) return new AppError(415, 'unsupported_media_type', http.message ?? 'Unsupported media type')
    if (http.status === 400 && (thrown instanceof SyntaxError || http.type === 'entity.parse.failed')) return new AppError(400, 'invalid_json', 'Request body is not valid JSON')
    return new AppError(http.status, http.status === 400 ? 'validation_error' : 'not_found', http.expose ? (http.message ?? 'Bad request') : 'Bad request')
  }
  return new AppError(500, 'internal_error', 'Internal server error')
}

// The decorator library loads zod's CommonJS build and we load its ESM build: two ZodError classes.
function isZodError(thrown: unknown): thrown is ZodError {
  return thrown instanceof Error && thrown.name === 'ZodError' && Array.isArray((thrown as ZodError).issues)
}
