import { randomUUID } from 'node:crypto'
import { ctx } from './context'
import { checkContract } from './contract'

export interface Reply<T = any> {
  status: number
  body: T
  headers: Headers
  text: string
}

export interface RequestOptions {
  token?: string
  body?: unknown
  /** Sent as-is instead of JSON (for malformed-body tests). */
  raw?: string
  headers?: Record<string, string>
  baseUrl?: string
}

/** A real HTTP request to the test service; its answer must be one the OpenAPI document describes (./contract.ts). */
export async function api<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  let payload: string | undefined
  if (options.raw !== undefined) payload = options.raw
  else if (options.body !== undefined) payload = JSON.stringify(options.body)
  if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
  const response = await fetch(`${options.baseUrl ?? ctx().url}${path}`, { method, headers, body: payload })
  const text = await response.text()
  checkContract({ method, url: path, status: response.status, contentType: response.headers.get('content-type'), text })
  let body: any = text
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, headers: response.headers, text }
}

export interface TestUser {
  id: string
  email: string
  username: string
  password: string
  token: string
}

/** Registers and logs in a fresh user (on the shared test service unless `baseUrl` names another). */
export async function newUser(prefix = 'user', baseUrl?: string): Promise<TestUser> {
  const tag = randomUUID().slice(0, 8)
  const email = `${prefix}-${tag}@example.com`
  const username = `${prefix}_${tag}`
  const password = 'correct horse battery'
  const registered = await api('POST', '/api/v1/auth/register', { body: { email, username, password }, baseUrl })
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${registered.text}`)
  const login = await api('POST', '/api/v1/auth/login', { body: { email, password }, baseUrl })
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`)
  return { id: registered.body.id, email, username, password, token: login.body.access_token }
}

/** Registers a fresh user and makes it an admin directly in the database. */
export async function newAdmin(): Promise<TestUser> {
  const user = await newUser('admin')
  await ctx().database.db.updateTable('users').set({ role: 'admin' }).where('id', '=', user.id).execute()
  return user
}

/** For {@link meAnsweredAfter}: the token is refused. */
export const refused = (reply: { status: number }): boolean => reply.status === 401

/**
 * Milliseconds until GET /api/v1/auth/me with `token` answers as `done` says (asked every 20 ms),
 * or -1 after `limitMs`: how soon a process learns of a revocation or a changed user.
 */
export async function meAnsweredAfter(token: string, done: (reply: Reply<{ role?: string }>) => boolean, limitMs: number, baseUrl?: string): Promise<number> {
  const start = Date.now()
  while (Date.now() - start < limitMs) {
    if (done(await api('GET', '/api/v1/auth/me', { baseUrl, token }))) return Date.now() - start
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return -1
}
