const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004'])

/** True when an error means "the database cannot be reached right now" rather than "the query is wrong". */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined
  if (!e) return false
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true
  const message = e.message ?? ''
  return /timeout exceeded when trying to connect|Query read timeout|Connection terminated|connection .* closed|Client has encountered a connection error|Cannot use a pool after calling end/i.test(message)
}

export const isUniqueViolation = (error: unknown, constraint?: string): boolean => {
  const e = error as { code?: string; constraint?: string } | undefined
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint)
}
