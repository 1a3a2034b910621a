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

/** The service's /metrics text. */
export async function scrapeMetrics(baseUrl: string): Promise<string> {
  return (await fetch(`${baseUrl}/metrics`)).text()
}

/** A sample without labels (a counter, say) in /metrics text; 0 when absent. */
export function metricValue(text: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)
  return match ? Number(match[1]) : 0
}

/** A histogram's cumulative bucket counts in /metrics text, by bound `le`, summed over the series whose labels contain `labels`. */
export function histogramBuckets(text: string, metric: string, labels = ''): Map<string, number> {
  const buckets = new Map<string, number>()
  for (const match of text.matchAll(new RegExp(`^${metric}_bucket\\{([^}]*)\\} (\\d+)$`, 'gm'))) {
    if (!match[1]!.includes(labels)) continue
    const le = /le="([^"]+)"/.exec(match[1]!)![1]!
    buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]))
  }
  return buckets
}

/**
 * Bucket counts as cumulative shares: for each bound `le` (seconds), the share of observations at
 * or below it. With `before`, of the observations made since those counts were read.
 */
export function bucketShares(after: Map<string, number>, before = new Map<string, number>()): { count: number; shares: Array<{ le: string; share: number }> } {
  const counts = [...after].map(([le, n]) => ({ le, n: n - (before.get(le) ?? 0) }))
  const count = counts.find((c) => c.le === '+Inf')?.n ?? 0
  return { count, shares: counts.map(({ le, n }) => ({ le, share: count ? n / count : 0 })) }
}
