import { sample, violates, violatesAsText, type Schema } from './hostile'

/** One generated request, and what it must get: a 4xx, or (for a read that may legitimately match) anything but a 5xx. */
export interface HostileCase {
  route: string
  label: string
  method: string
  path: string
  headers: Record<string, string>
  body?: string
  expect: '4xx' | 'not5xx'
}

export interface Fixtures {
  token: string
  /** Tokens that must be refused: garbage, forged, expired, narrowed to a stream … (header values). */
  badAuthorizations: string[]
  /** A value for a path parameter that names something that exists (or at least is well-formed). */
  existing(param: string, path: string): string
  /** A valid body for `METHOD path`, which the cases then break. */
  validBody(route: string): Record<string, unknown> | undefined
}

interface Parameter {
  name: string
  in: string
  schema: Schema
}

interface OpenApiDoc {
  paths: Record<string, Record<string, { security?: unknown[]; parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }>>
  components: { schemas: Record<string, Schema> }
}

// Path values, already percent-encoded as they travel: traversal, NUL, unicode, injection, broken escapes, huge numbers.
const PATH_VALUES = ['..%2F..%2Fetc%2Fpasswd', '..%2F..%2F..%2Fetc%2Fpasswd%00.json', '%2e%2e%2f%2e%2e%2f', '%00', 'a%00b', 'not-a-uuid', '%F0%9F%92%A5%F0%9F%92%A5', '%E2%80%AE%D7%A9%D7%9C%D7%95%D7%9D', 'x'.repeat(300), "'%20OR%20'1'%3D'1", '%', '%E0%A4%A', '1e308', '-1', 'NaN', '00000000-0000-0000-0000-000000000000']
const QUERY_VALUES: Array<string | string[]> = ['abc', '-1', '1e308', '1.5', 'NaN', 'Infinity', '', '0x10', ['1', '2'], 'x'.repeat(5_000), 'a\u0000b', '💥', '../../etc/passwd', '\u202Eevil']
const FIELD_VALUES: unknown[] = [12345, true, [], {}, 'text', null, 1e308, -1, 0, 1.5, 'NaN', '1e308', '', 'x'.repeat(20_001), '💥'.repeat(70), '\u202Eevil', '../../etc/passwd']
// Text PostgreSQL cannot store (NUL) or that is not Unicode at all (a lone surrogate): refused at the edge.
const UNSTORABLE = ['a\u0000b', 'a\ud800b']
const MASS_ASSIGNMENT = { role: 'admin', owner_id: '00000000-0000-0000-0000-000000000001', id: '00000000-0000-0000-0000-000000000002', created_at: '2000-01-01T00:00:00Z', session_id: 'forged' }
const MALFORMED = ['{"a":', '{bad json}', '\u0000', '{"a":1}trailing', '[1,2']
// Well-formed JSON that is not an object: bad only for a route that reads a body.
const NOT_OBJECTS = ['['.repeat(10_000) + ']'.repeat(10_000), 'null', '"a string"', '12345', '[]']
const MULTIPART = '--b0undary\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b0undary--\r\n'
const WRONG_TYPES: Array<[string, string]> = [
  ['text/plain', 'JSON'],
  ['application/x-www-form-urlencoded', 'a=1&role=admin'],
  ['multipart/form-data; boundary=b0undary', MULTIPART],
  ['application/json; charset=bogus', 'JSON'],
  ['application/xml', '<a>1</a>'],
]

const safeDecode = (value: string) => {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

const queryString = (params: Record<string, string | string[]>) =>
  Object.entries(params)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((item) => `${encodeURIComponent(k)}=${encodeURIComponent(item)}`))
    .join('&')

/** Every operation of the document, each with bad input of every kind; `perRoute` of them sampled with `random`. */
export function hostileCases(doc: OpenApiDoc, fixtures: Fixtures, random: () => number, perRoute: number): HostileCase[] {
  const resolve = (ref: string) => doc.components.schemas[ref.split('/').pop()!]!
  const cases: HostileCase[] = []
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [lower, op] of Object.entries(methods)) {
      const method = lower.toUpperCase()
      const route = `${method} ${template}`
      const params = op.parameters ?? []
      const pathParams = params.filter((p) => p.in === 'path')
      const queryParams = params.filter((p) => p.in === 'query')
      const bodySchema = op.requestBody?.content['application/json']?.schema
      const schema = bodySchema?.$ref ? resolve(bodySchema.$ref) : bodySchema
      const base = fixtures.validBody(route) ?? {}
      const pathWith = (values: Record<string, string> = {}) => template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? encodeURIComponent(fixtures.existing(name, template)))
      const auth = { authorization: `Bearer ${fixtures.token}` }
      const json = { ...auth, 'content-type': 'application/json' }
      const must: HostileCase[] = []
      const rest: HostileCase[] = []
      const add = (list: HostileCase[], label: string, init: Partial<HostileCase> & { expect?: HostileCase['expect'] }) =>
        list.push({ route, label, method, path: pathWith(), headers: auth, expect: '4xx', ...init })
      const bodyJson = (value: unknown) => JSON.stringify(value)
      const invalidBody = (value: unknown) => schema !== undefined && violates(schema, value, resolve)

      // Without a valid token. A public route gets a body that is invalid anyway (nothing may be written),
      // or, for a public read without one, may answer anything but 5xx.
      const secured = Boolean(op.security?.length)
      if (secured || (schema ? invalidBody({}) : method === 'GET')) {
        const body = schema ? '{}' : undefined
        const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' }
        const expect = secured || schema ? '4xx' : 'not5xx'
        add(must, 'no token', { headers, body, expect })
        for (const authorization of sample(fixtures.badAuthorizations, 2, random)) add(rest, `refused token ${authorization.slice(0, 30)}`, { headers: { ...headers, authorization }, body, expect })
      }

      for (const param of pathParams) {
        for (const raw of PATH_VALUES) {
          const bad = violatesAsText(param.schema, safeDecode(raw), resolve) || safeDecode(raw).includes('\u0000')
          // A well-formed value names nothing that exists: a read may answer anything but 5xx, a write must 404.
          const body = schema ? bodyJson(base) : undefined
          add(raw.includes('%00') ? must : rest, `path ${param.name}=${raw.slice(0, 40)}`, { path: pathWith({ [param.name]: raw }), headers: schema ? json : auth, body, expect: bad || method !== 'GET' ? '4xx' : 'not5xx' })
        }
      }

      for (const param of queryParams) {
        for (const value of QUERY_VALUES) {
          const bad = violatesAsText(param.schema, value, resolve) || String(value).includes('\u0000')
          if (!bad && method !== 'GET') continue
          add(rest, `query ${param.name}=${JSON.stringify(value).slice(0, 40)}`, { path: `${pathWith()}?${queryString({ [param.name]: value })}`, expect: bad ? '4xx' : 'not5xx' })
        }
      }

      if (schema) {
        if (invalidBody({})) add(rest, 'empty object', { headers: json, body: '{}' })
        for (const key of schema.required ?? []) {
          const { [key]: _omitted, ...without } = base
          // A "__proto__" key survives only in JSON text (an object literal would set the prototype instead).
          if (invalidBody(without)) add(rest, `missing ${key}, extra fields`, { headers: json, body: `{"__proto__":{"role":"admin"},${bodyJson({ ...without, ...MASS_ASSIGNMENT }).slice(1)}` })
        }
        const mutate = (label: string, at: (value: unknown) => Record<string, unknown>, field: Schema) => {
          for (const value of FIELD_VALUES) if (invalidBody(at(value))) add(rest, `${label}=${JSON.stringify(value).slice(0, 30)}`, { headers: json, body: bodyJson(at(value)) })
          const textual = field.type === 'string' || field.anyOf?.some((s) => s.type === 'string')
          if (textual) for (const text of UNSTORABLE) add(must, `${label} with ${JSON.stringify(text)}`, { headers: json, body: bodyJson(at(text)) })
        }
        for (const [key, field] of Object.entries(schema.properties ?? {})) {
          mutate(key, (value) => ({ ...base, [key]: value }), field)
          const item = field.items?.$ref ? resolve(field.items.$ref) : field.items
          const first = Array.isArray(base[key]) ? (base[key] as Array<Record<string, unknown>>)[0] : undefined
          if (item?.properties && first) {
            for (const [inner, innerField] of Object.entries(item.properties)) mutate(`${key}[0].${inner}`, (value) => ({ ...base, [key]: [{ ...first, [inner]: value }] }), innerField)
          }
        }
        const textKey = Object.keys(schema.properties ?? {}).find((k) => schema.properties![k]!.type === 'string') ?? 'x'
        add(must, 'a 1 MB field (over BODY_LIMIT_KB)', { headers: json, body: bodyJson({ ...base, [textKey]: 'x'.repeat(1_048_576) }) })
      } else {
        add(must, 'a 1 MB body on a route without one', { headers: { ...auth, 'content-type': 'application/json' }, body: bodyJson({ x: 'x'.repeat(1_048_576) }) })
      }
      for (const raw of [...MALFORMED, ...(schema ? NOT_OBJECTS : [])]) {
        add(raw === '{"a":' ? must : rest, `malformed JSON ${JSON.stringify(raw.slice(0, 20))}`, { headers: { ...auth, 'content-type': 'application/json' }, body: raw })
      }
      for (const [type, payload] of WRONG_TYPES) {
        add(type === 'text/plain' ? must : rest, `content type ${type}`, { headers: { ...auth, 'content-type': type }, body: payload === 'JSON' ? bodyJson(base) : payload })
      }
      cases.push(...must, ...sample(rest, Math.max(0, perRoute - must.length), random))
    }
  }
  return cases
}
