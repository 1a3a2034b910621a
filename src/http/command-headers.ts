import { createHash } from 'node:crypto'
import type { Context } from 'koa'
import { ValidationError } from './errors'

/** What a client may send with a command so that retrying it, or racing another client, is safe. */
export interface CommandHeaders {
  /** `Idempotency-Key`, without the quotes it may come in. */
  idempotencyKey?: string
  /** `If-Match`: the versions the room must be at; undefined when absent or `*`. */
  ifMatch?: number[]
}

/** 1–255 of letters, digits and `-_.:~+/=`: a UUID, a ULID or base64 fits; no spaces, quotes or commas. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9\-_.:~+/=]{1,255}$/
// An entity tag as the room's ETag is written: a whole number in double quotes.
const VERSION_TAG = /^"(\d{1,10})"$/

/** Reads and checks the optional Idempotency-Key and If-Match headers; a malformed one is a 400 naming it. */
export function commandHeaders(ctx: Context): CommandHeaders {
  return { idempotencyKey: idempotencyKeyOf(ctx), ifMatch: ifMatchOf(ctx) }
}

function idempotencyKeyOf(ctx: Context): string | undefined {
  const raw = ctx.headers['idempotency-key']
  if (raw === undefined) return undefined
  // The IETF draft writes the key as a quoted string; most clients send it bare. Both are the same key.
  const value = typeof raw === 'string' ? raw.trim().replace(/^"(.*)"$/, '$1') : ''
  if (!IDEMPOTENCY_KEY.test(value)) {
    const message = 'must be 1–255 characters of letters, digits and - _ . : ~ + / =, sent once (a UUID is a good key)'
    throw new ValidationError(`Invalid Idempotency-Key header: ${message}`, [{ path: 'headers.idempotency-key', message }])
  }
  return value
}

function ifMatchOf(ctx: Context): number[] | undefined {
  const raw = ctx.headers['if-match']
  if (raw === undefined) return undefined
  const value = raw.trim()
  if (value === '*') return undefined
  const versions = value.split(',').map((tag) => VERSION_TAG.exec(tag.trim())?.[1])
  if (value === '' || versions.some((v) => v === undefined)) {
    const message = 'must be the room\'s version as its ETag, e.g. "7" (with the quotes), or *'
    throw new ValidationError(`Invalid If-Match header: ${message}`, [{ path: 'headers.if-match', message }])
  }
  return versions.map(Number)
}

/** Refuses If-Match where there is no existing room for it to name (start-interview creates one). */
export function refuseIfMatch(ctx: Context, why: string): void {
  if (ctx.headers['if-match'] === undefined) return
  throw new ValidationError(`If-Match is not accepted here: ${why}`, [{ path: 'headers.if-match', message: `not accepted here: ${why}` }])
}

/**
 * What makes two requests "the same" for an idempotency key: method, path and the body as the
 * route validated it, with object keys sorted. Key order, whitespace and fields the route ignores
 * make no difference; any value that changes the command does.
 */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${canonicalJson(body ?? null)}`).digest('hex')
}

/** JSON with every object's keys in sorted order. Only for validated bodies, whose depth the schema bounds. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
