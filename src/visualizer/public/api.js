/** The page's calls to the service: same origin only, a bearer token where the endpoint needs one. */

export class ApiError extends Error {
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

export async function getJson(path, token) {
  return call('GET', path, token)
}

export async function postJson(path, token, body) {
  return call('POST', path, token, body)
}

async function call(method, path, token, body) {
  const headers = { accept: 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await response.text()
  let payload
  try {
    payload = text ? JSON.parse(text) : undefined
  } catch {
    payload = undefined
  }
  if (!response.ok) throw new ApiError(response.status, payload?.error?.message ?? `${method} ${path}: ${response.status}`)
  return payload
}

/** An actor link template (`/api/interview/{id}/history`) for one actor. */
export const actorPath = (template, id) => template.replace('{id}', encodeURIComponent(id))

const TOKEN_KEY = 'visualizer.token'

/**
 * The access token: from the URL fragment (`#token=…`, never sent to the server, so never
 * logged), which is then removed from the address bar and kept for this tab only.
 */
export function takeToken() {
  const fragment = new URLSearchParams(location.hash.slice(1))
  const fromUrl = fragment.get('token')
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl)
    fragment.delete('token')
    const rest = fragment.toString()
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`)
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? ''
}

export const rememberToken = (token) => sessionStorage.setItem(TOKEN_KEY, token)
