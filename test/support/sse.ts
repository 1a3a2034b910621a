import http from 'node:http'
import { checkContract } from './contract'

/** One message block of an event stream, as a browser's EventSource would parse it. */
export interface SseMessage {
  id?: string
  event?: string
  data?: string
  retry?: number
  receivedAt: number
}

export interface SseOptions {
  headers?: Record<string, string>
  token?: string
  lastEventId?: number | string
}

/** A raw event-stream reader over node:http: every byte kept, messages parsed, reading pausable. */
export interface SseClient {
  status: number
  headers: http.IncomingHttpHeaders
  /** Every block received so far (including retry-only blocks), in order. */
  messages: SseMessage[]
  /** Everything received, as text. */
  text(): string
  /** The body parsed as JSON (for refusals, which are not streams). */
  json(): any
  /** The first message (already received or still to come) that matches, or a rejection after `timeoutMs`. */
  next(match: (message: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>
  /** Resolves when the response is over: `complete` only for a clean end of the body. */
  ended: Promise<{ complete: boolean }>
  isEnded(): boolean
  /** Stops reading from the socket (a slow client); the server's writes pile up behind it. */
  pause(): void
  resume(): void
  close(): void
}

export const named = (name: string) => (m: SseMessage) => m.event === name
export const withId = (id: number) => (m: SseMessage) => m.id === String(id)
export const dataOf = (m: SseMessage): any => JSON.parse(m.data ?? 'null')
/** The stream positions of the room facts received, in arrival order (`connected` is not a fact). */
export const idsOf = (messages: SseMessage[]): number[] => messages.filter((m) => m.id !== undefined && m.event !== 'connected').map((m) => Number(m.id))

function parseBlock(block: string, receivedAt: number): SseMessage {
  const message: SseMessage = { receivedAt }
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'id') message.id = value
    else if (field === 'event') message.event = value
    else if (field === 'data') message.data = message.data === undefined ? value : `${message.data}\n${value}`
    else if (field === 'retry' && /^\d+$/.test(value)) message.retry = Number(value)
  }
  return message
}

/** Opens `GET url` as an event stream on its own connection; resolves once the response head arrives (a refusal: once its body is in). */
export function openSse(url: string, options: SseOptions = {}): Promise<SseClient> {
  const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers }
  if (options.token) headers.authorization = `Bearer ${options.token}`
  if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId)
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false })
    req.once('error', reject)
    req.once('response', (res) => {
      let raw = ''
      let pending = ''
      let done = false
      const messages: SseMessage[] = []
      const waiters = new Set<{ match: (m: SseMessage) => boolean; resolve: (m: SseMessage) => void }>()
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        raw += chunk
        pending += chunk.replace(/\r\n?/g, '\n')
        let cut
        while ((cut = pending.indexOf('\n\n')) >= 0) {
          const message = parseBlock(pending.slice(0, cut), Date.now())
          pending = pending.slice(cut + 2)
          messages.push(message)
          for (const waiter of waiters) {
            if (!waiter.match(message)) continue
            waiters.delete(waiter)
            waiter.resolve(message)
          }
        }
      })
      res.on('error', () => undefined)
      req.on('error', () => undefined)
      const ended = new Promise<{ complete: boolean }>((settle) =>
        res.once('close', () => {
          done = true
          settle({ complete: res.complete })
        }),
      )
      const client: SseClient = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        messages,
        text: () => raw,
        json: () => JSON.parse(raw),
        ended,
        isEnded: () => done,
        pause: () => void res.pause(),
        resume: () => void res.resume(),
        close: () => req.destroy(),
        next(match, timeoutMs = 10_000) {
          const found = messages.find(match)
          if (found) return Promise.resolve(found)
          return new Promise((resolveNext, rejectNext) => {
            const waiter = { match, resolve: (m: SseMessage) => (clearTimeout(timer), resolveNext(m)) }
            const timer = setTimeout(() => {
              waiters.delete(waiter)
              rejectNext(new Error(`no matching SSE message within ${timeoutMs} ms; received:\n${raw.slice(-2_000)}`))
            }, timeoutMs)
            waiters.add(waiter)
          })
        },
      }
      // The answer must be a documented one (./contract.ts): a stream by its head, a refusal by its whole body.
      const contentType = res.headers['content-type'] ?? null
      const settle = () => {
        try {
          checkContract({ method: 'GET', url: new URL(url).pathname, status: client.status, contentType, text: raw })
          resolve(client)
        } catch (error) {
          req.destroy()
          reject(error)
        }
      }
      if (String(contentType).startsWith('text/event-stream')) settle()
      else void ended.then(settle)
    })
  })
}

/** Opens a stream and waits for its body to end: for refusals (4xx) sent before any stream starts. */
export async function refusedSse(url: string, options: SseOptions = {}): Promise<{ status: number; body: any; contentType: string }> {
  const client = await openSse(url, options)
  await client.ended
  return { status: client.status, body: client.json(), contentType: String(client.headers['content-type'] ?? '') }
}
