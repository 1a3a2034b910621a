/** One JSON request to the API at `baseUrl`; an answer other than 2xx stops the bench with its body. */
export async function call<T = unknown>(baseUrl: string, method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
  return (text ? JSON.parse(text) : undefined) as T
}

/** Registers a user of the bench's own (`<prefix>-<tag>@example.com`) and logs in: its access token. */
export async function benchUser(baseUrl: string, prefix: string, tag: string): Promise<string> {
  const credentials = { email: `${prefix}-${tag}@example.com`, password: 'bench password 123' }
  await call(baseUrl, 'POST', '/api/v1/auth/register', { ...credentials, username: `${prefix}_${tag}` })
  return (await call<{ access_token: string }>(baseUrl, 'POST', '/api/v1/auth/login', credentials)).access_token
}

/**
 * A histogram of the service's /metrics as cumulative shares: for each bucket bound `le` (seconds),
 * the share of observations at or below it, summed over the series whose labels contain `labels`.
 */
export async function histogramShares(baseUrl: string, metric: string, labels = ''): Promise<{ count: number; shares: Array<{ le: string; share: number }> }> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text()
  const buckets = new Map<string, number>()
  for (const match of text.matchAll(new RegExp(`^${metric}_bucket\\{([^}]*)\\} (\\d+)$`, 'gm'))) {
    if (!match[1]!.includes(labels)) continue
    const le = /le="([^"]+)"/.exec(match[1]!)![1]!
    buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]))
  }
  const count = buckets.get('+Inf') ?? 0
  return { count, shares: [...buckets].map(([le, n]) => ({ le, share: count ? n / count : 0 })) }
}
