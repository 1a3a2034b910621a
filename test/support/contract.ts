import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
// Loading the service loads every route module, whose declarations make up the document.
import { VERSION } from '../../src/service'
import { openApiDocument, type OpenApiDocument } from '../../src/system/openapi'

/**
 * The contract hook: every answer the HTTP test suite receives must be one the OpenAPI document
 * describes — the operation's status and, for JSON, a body that validates against its schema, with
 * no field the schema leaves out. api() and the raw-request helpers call it on every response, so a
 * test whose request gets an undocumented answer fails, naming the operation.
 */

/** Paths outside the API contract: pages and their static files. */
const OUTSIDE = [/^\/docs(\/|$)/, /^\/visualizer(\/|$)/, /^\/demo(\/|$)/]

export interface Answer {
  method: string
  /** The request path, with or without its query string. */
  url: string
  status: number
  contentType: string | null
  /** The body as text ('' when there was none). */
  text: string
}

interface Route {
  template: string
  pattern: RegExp
  params: number
  operations: Record<string, { operationId?: string; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
}

let compiled: { doc: OpenApiDocument; routes: Route[]; ajv: Ajv; validators: Map<string, ValidateFunction> } | undefined

function contract() {
  if (compiled) return compiled
  const doc = closeObjects(structuredClone(openApiDocument(VERSION))) as OpenApiDocument
  const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true, validateSchema: false }))
  ajv.addSchema(doc as object, 'openapi')
  const routes = Object.entries(doc.paths).map(([template, operations]) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`),
    params: (template.match(/\{/g) ?? []).length,
    operations: operations as Route['operations'],
  }))
  // A literal segment wins over a parameter (/products/search before /products/{id}).
  routes.sort((a, b) => a.params - b.params)
  compiled = { doc, routes, ajv, validators: new Map() }
  return compiled
}

/** Checks one answer; throws an Error naming the operation when the document does not describe it. */
export function checkContract(answer: Answer): void {
  const method = answer.method.toLowerCase()
  const path = answer.url.split('?')[0]!.replace(/(.)\/+$/, '$1')
  // CORS preflights are the CORS protocol, not operations; HEAD has the GET operation's headers only;
  // 431 (a request head too large) comes from Node's HTTP parser before any route is chosen.
  if (method === 'options' || method === 'head' || answer.status === 431 || OUTSIDE.some((p) => p.test(path))) return
  const { routes } = contract()
  const matching = routes.filter((r) => r.pattern.test(path))
  const route = matching.find((r) => r.operations[method]) ?? matching[0]
  const operation = route?.operations[method]
  const name = operation ? `${operation.operationId} (${answer.method.toUpperCase()} ${route!.template})` : `${answer.method.toUpperCase()} ${path} (no such operation)`
  const fail = (why: string) => {
    throw new Error(`OpenAPI contract: ${name} answered ${answer.status}: ${why}\n  body: ${answer.text.slice(0, 500)}`)
  }
  if (!operation) {
    // No operation: the only answers are "no route" (404) and "not this method" (405), as errors.
    if (answer.status !== (route ? 405 : 404)) fail(`expected ${route ? 405 : 404} for a request no operation describes`)
    return validateJson(answer, 'openapi#/components/schemas/Error', fail)
  }
  const status = String(answer.status)
  const key = status in operation.responses ? status : `${status[0]}XX` in operation.responses ? `${status[0]}XX` : undefined
  if (!key) return fail(`the document lists only ${Object.keys(operation.responses).join(', ')}`)
  const content = operation.responses[key]!.content
  if (!content) {
    if (answer.text !== '') fail('the document describes no body for this status')
    return
  }
  const mediaType = (answer.contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (!(mediaType in content)) return fail(`content type ${answer.contentType} is not one of ${Object.keys(content).join(', ')}`)
  if (mediaType !== 'application/json') return
  const pointer = ['paths', route!.template, method, 'responses', key, 'content', mediaType, 'schema'].map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')
  validateJson(answer, `openapi#/${pointer}`, fail)
}

function validateJson(answer: Answer, ref: string, fail: (why: string) => void): void {
  const { ajv, validators } = contract()
  let body: unknown
  try {
    body = JSON.parse(answer.text)
  } catch {
    return fail('the body is not JSON')
  }
  let validate = validators.get(ref)
  if (!validate) validators.set(ref, (validate = ajv.compile({ $ref: ref })))
  if (!validate(body)) fail(`the body does not match the documented schema:\n${(validate.errors ?? []).map((e) => `  ${e.instancePath || '(root)'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${e.params.additionalProperty}` : ''}`).join('\n')}`)
}

/** Every object schema that lists its properties gets no others: a field the document leaves out is drift. */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) node.forEach(closeObjects)
  else if (node && typeof node === 'object') {
    const schema = node as Record<string, unknown>
    if (schema.type === 'object' && schema.properties && Object.keys(schema.properties).length > 0 && schema.additionalProperties === undefined) schema.additionalProperties = false
    Object.values(schema).forEach(closeObjects)
  }
  return node
}
