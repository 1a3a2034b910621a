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
