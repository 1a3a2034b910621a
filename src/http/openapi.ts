import { z } from 'koa-swagger-decorator'
import type { ZodTypeAny } from 'zod'
import type { ResponseConfig } from '@asteasolutions/zod-to-openapi'

/** Every error answer: what the error handler renders (src/http/error-handler.ts). */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ description: 'Stable, snake_case: validation_error, invalid_json, unauthorized, forbidden, not_found, conflict, invalid_state, rate_limited, database_unavailable …', example: 'not_found' }),
      message: z.string().openapi({ description: 'For people: names the fields, the state or the limit that refused the request' }),
      details: z.union([z.array(z.object({ path: z.string(), message: z.string() })), z.object({}).passthrough().openapi({ additionalProperties: true })]).optional().openapi({ description: 'validation_error: one {path, message} per bad field; invalid_state: {state, allowed_commands}; conflict: what it conflicts with' }),
    }),
    request_id: z.string().openapi({ description: 'Also in the X-Request-Id header; quote it when reporting a problem' }),
  })
  .openapi('Error', { description: 'The body of every 4xx and 5xx answer' })

/** What each error status means on this API; a route lists the ones it can answer. */
export const ERROR_DESCRIPTIONS = {
  400: 'Invalid input: malformed JSON, or parameters or fields that fail validation (`details` names each one); nothing was written',
  401: 'No valid bearer token: missing, malformed, expired or revoked',
  403: 'Signed in, but not allowed to do this',
  404: 'No such resource, or one this user may not see',
  409: 'Conflicts with the current state (`details` gives the state and the commands it allows) or with an existing resource',
  412: 'If-Match names a version the room has moved past (`details` gives the current version); nothing was written',
  413: 'The request body is larger than the configured limit',
  415: 'The request body is not JSON in UTF-8',
  422: 'This Idempotency-Key was used within 24 h for another request (another body, route or room); nothing was written',
  429: 'Too many attempts; retry after the number of seconds in Retry-After',
  503: 'A dependency (the database) or the service is unavailable; retry shortly',
} as const
export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS

const SUCCESS_DESCRIPTIONS: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'Done; no body' }

/** A success body: a zod schema (JSON), or a map from media type to a zod schema or a `$ref`, for other or several types. */
export type SuccessBody = ZodTypeAny | Record<string, ZodTypeAny | { $ref: string }> | null

export const errorResponse = (status: ErrorStatus): ResponseConfig => ({
  description: ERROR_DESCRIPTIONS[status],
  content: { 'application/json': { schema: ErrorBody } },
})

/**
 * The responses of one operation, for `@routeConfig({ …, responses: answers(201, PlanResponse, 404, 409) })`:
 * its success status and body (null: no body), then the error statuses it can answer besides those
 * the document adds to every operation (see src/system/openapi.ts). The test suite checks every
 * answer it receives against these (test/support/contract.ts).
 */
export function answers(status: number, body: SuccessBody, ...errors: ErrorStatus[]): Record<string, ResponseConfig> {
  const success: ResponseConfig = { description: SUCCESS_DESCRIPTIONS[status] ?? 'Success' }
  if (body) success.content = isZod(body) ? { 'application/json': { schema: body } } : Object.fromEntries(Object.entries(body).map(([type, schema]) => [type, { schema }]))
  return { [status]: success, ...Object.fromEntries(errors.map((e) => [e, errorResponse(e)])) }
}

const isZod = (value: object): value is ZodTypeAny => '_def' in value && 'safeParse' in value
