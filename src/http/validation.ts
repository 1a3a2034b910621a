import type { ZodError, ZodTypeAny, z } from 'zod'
import { ValidationError, type ErrorDetail } from './errors'

export function zodDetails(error: ZodError, prefix?: string): ErrorDetail[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path].filter((p) => p !== undefined && p !== '').join('.') || '(root)',
    message: issue.message,
  }))
}

/** Parses untrusted input at the edge; a failure is a 400 naming each bad field. */
export function parseInput<S extends ZodTypeAny>(schema: S, input: unknown, where: 'body' | 'query' | 'params'): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const details = zodDetails(result.error, where)
  throw new ValidationError(`Invalid ${where}: ${details.map((d) => d.path).join(', ')}`, details)
}
