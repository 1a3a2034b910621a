export type ErrorCode =
  | 'validation_error'
  | 'invalid_json'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'concurrency_conflict'
  | 'invalid_state'
  | 'precondition_failed'
  | 'idempotency_key_reused'
  | 'rate_limited'
  | 'database_unavailable'
  | 'unavailable'
  | 'room_unreadable'
  | 'internal_error'

export interface ErrorDetail {
  path: string
  message: string
}

/** The one error type services throw; the error handler renders it as JSON with its status. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = new.target.name
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: ErrorDetail[]) {
    super(400, 'validation_error', message, details)
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required') {
    super(401, 'unauthorized', message, undefined, { 'WWW-Authenticate': 'Bearer' })
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You may not do this') {
    super(403, 'forbidden', message)
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found') {
    super(404, 'not_found', message)
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: unknown, code: ErrorCode = 'conflict') {
    super(409, code, message, details)
  }
}

/** 412: the request's If-Match names a version the resource has moved on from; nothing was done. */
export class PreconditionFailedError extends AppError {
  constructor(message: string, details: unknown, etag: string) {
    super(412, 'precondition_failed', message, details, { ETag: etag })
  }
}

/** 422: the request is well formed but cannot be done as asked (an idempotency key reused for another request). */
export class UnprocessableError extends AppError {
  constructor(message: string, details: ErrorDetail[], code: ErrorCode) {
    super(422, code, message, details)
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, message = `Too many attempts; retry in ${retryAfterSeconds} s`) {
    super(429, 'rate_limited', message, undefined, {
      'Retry-After': String(retryAfterSeconds),
    })
  }
}

export class UnavailableError extends AppError {
  constructor(message = 'Service unavailable', code: ErrorCode = 'unavailable') {
    super(503, code, message)
  }
}
