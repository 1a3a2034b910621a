import http from 'node:http'
import { checkContract } from './contract'

/** Up to `n` items of `list` in a random order (Fisher–Yates on a copy). */
export function sample<T>(list: T[], n: number, random: () => number): T[] {
  const copy = [...list]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy.slice(0, n)
}

/** The JSON Schema subset the OpenAPI document uses (OpenAPI 3.0 flavour: `nullable`, boolean exclusive bounds). */
export interface Schema {
  $ref?: string
  type?: string
  nullable?: boolean
  enum?: unknown[]
  pattern?: string
  format?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: boolean
  exclusiveMaximum?: boolean
  anyOf?: Schema[]
  items?: Schema
  minItems?: number
  maxItems?: number
  properties?: Record<string, Schema>
  required?: string[]
  default?: unknown
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** True when `value` certainly breaks `schema`; used to keep generated input invalid, so it may never be written. */
export function violates(schema: Schema, value: unknown, resolve: (ref: string) => Schema): boolean {
  if (schema.$ref) return violates(resolve(schema.$ref), value, resolve)
  if (value === undefined) return false
  if (value === null) return !schema.nullable
  if (schema.anyOf) return schema.anyOf.every((s) => violates(s, value, resolve))
  if (schema.enum && !schema.enum.includes(value)) return true
  const below = (n: number) => schema.minimum !== undefined && (schema.exclusiveMinimum ? n <= schema.minimum : n < schema.minimum)
  const above = (n: number) => schema.maximum !== undefined && (schema.exclusiveMaximum ? n >= schema.maximum : n > schema.maximum)
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return true
      if (schema.minLength !== undefined && value.length < schema.minLength) return true
      if (schema.maxLength !== undefined && value.length > schema.maxLength) return true
      if (schema.pattern && !new RegExp(schema.pattern).test(value)) return true
      if (schema.format === 'uuid') return !UUID.test(value)
      if (schema.format === 'email') return !EMAIL.test(value)
      if (schema.format === 'date-time') return !/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value) || Number.isNaN(Date.parse(value))
      return false
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return true
      return (schema.type === 'integer' && !Number.isInteger(value)) || below(value) || above(value)
    case 'boolean':
      return typeof value !== 'boolean'
    case 'array':
      if (!Array.isArray(value)) return true
      if (schema.minItems !== undefined && value.length < schema.minItems) return true
      if (schema.maxItems !== undefined && value.length > schema.maxItems) return true
      return schema.items !== undefined && value.some((item) => violates(schema.items!, item, resolve))
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return true
      const record = value as Record<string, unknown>
      // A field with a default is not really required, whatever the generated document says.
      if ((schema.required ?? []).some((key) => record[key] === undefined && schema.properties?.[key]?.default === undefined)) return true
      return Object.entries(schema.properties ?? {}).some(([key, s]) => violates(s, record[key], resolve))
    }
    default:
      return false
  }
}

/** A query or path value as the server reads it: numbers are coerced (z.coerce), a repeated key is an array. */
export function violatesAsText(schema: Schema, value: string | string[], resolve: (ref: string) => Schema): boolean {
  const target = schema.$ref ? resolve(schema.$ref) : schema
  if (target.type === 'integer' || target.type === 'number') return violates(target, Array.isArray(value) ? Number.NaN : Number(value), resolve)
  return Array.isArray(value) || violates(target, value, resolve)
}

export interface RawReply {
  status: number
  text: string
}

/** One request exactly as given (any method, headers and bytes), on its own connection, bounded in time; the answer must be a documented one (./contract.ts). */
export function rawRequest(url: string, method: string, headers: Record<string, string>, body?: string | Buffer, timeoutMs = 10_000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: false })
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.once('error', reject)
    const answered = (reply: RawReply, contentType: string | null) => {
      try {
        checkContract({ method, url: new URL(url).pathname, status: reply.status, contentType, text: reply.text })
        resolve(reply)
      } catch (error) {
        reject(error)
      }
    }
    req.once('response', (res) => {
      // An event stream that opened is an answer; do not wait for it to end.
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        req.destroy()
        return answered({ status: res.statusCode ?? 0, text: '(event stream)' }, res.headers['content-type'] ?? null)
      }
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.once('end', () => answered({ status: res.statusCode ?? 0, text }, res.headers['content-type'] ?? null))
      res.once('error', reject)
    })
    req.end(body)
  })
}
