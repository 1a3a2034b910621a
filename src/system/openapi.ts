import { registry } from 'koa-swagger-decorator'
import { prepareDocs } from 'koa-swagger-decorator/dist/lib/swagger-builder.js'
import { ERROR_DESCRIPTIONS, ErrorBody, type ErrorStatus } from '../http/openapi'

type Json = Record<string, unknown>
interface Operation {
  operationId?: string
  security?: unknown[]
  parameters?: Array<{ in: string; required?: boolean; schema?: Json }>
  requestBody?: unknown
  responses: Record<string, { description: string; content?: unknown }>
}
export interface OpenApiDocument {
  openapi: string
  info: { title: string; version: string; description?: string }
  servers?: Array<{ url: string; description?: string }>
  security?: unknown[]
  tags?: Array<{ name: string; description: string }>
  paths: Record<string, Record<string, Operation>>
  components: { schemas?: Record<string, Json>; securitySchemes?: Json }
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

/** The tags the routes use, each described once. */
const TAGS = [
  { name: 'Authentication', description: 'Accounts: register, log in, who am I, log out (the token is revoked)' },
  { name: 'Products', description: 'A plain CRUD resource with owners, categories, stock and search' },
  { name: 'Interview plans', description: "A candidate's plan: ordered phases, each with a question, a duration and instructions" },
  { name: 'Interview rooms', description: 'A room runs a plan as a state machine: timer commands, status, history and live events' },
  { name: 'Interview bot (WebRTC)', description: 'The voice/text interview bot: SDP offers, trickled ICE candidates and recordings' },
  { name: 'Machines', description: 'The state machines this service runs, exported as JSON, SCXML or Mermaid' },
  { name: 'System', description: 'What this service is, health and readiness, metrics and this document' },
]

// The generator keeps registered paths across calls, so it must run once per process.
let generated: OpenApiDocument | undefined

registry.register('Error', ErrorBody)
registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token from POST /api/v1/auth/login' })

/** The OpenAPI document of this service, from the routes' own declarations and zod schemas. */
export function openApiDocument(version: string): OpenApiDocument {
  generated ??= finishDocument(prepareDocs() as OpenApiDocument)
  generated.info.version = version
  return generated
}

/**
 * What koa-swagger-decorator 2.2.1 (on zod-to-openapi 5.5) cannot say by itself, done once here:
 * - it adds a placeholder `200` (described in Chinese) to every operation: dropped wherever the
 *   route declares its own success answer;
 * - it documents zod's *output* (a field with a default is always present after parsing) where a
 *   request needs the *input*: a property or parameter with a default is not required, and a query
 *   parameter (a string in the URL, coerced) is never null;
 * - the answers every operation shares are added here rather than repeated on each route: 400
 *   (any parameter or body can be refused, and text the database cannot store is refused on every
 *   path), 413 and 415 (a body is read, whatever the method, before any route), 401 and 503 where
 *   a signed-in user is required (authentication reads the database);
 * - public operations say so with `security: []`, the rest inherit the document's bearer scheme.
 */
export function finishDocument(doc: OpenApiDocument): OpenApiDocument {
  doc.info = { title: 'Mock Interview API', version: doc.info.version, description: 'Interview rooms run as event-sourced state machines, with accounts, plans, live events and a WebRTC interview bot.' }
  doc.servers = [{ url: '/', description: 'This server' }]
  doc.security = [{ bearerAuth: [] }]
  doc.tags = TAGS
  for (const item of Object.values(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (METHODS.includes(method)) finishOperation(operation)
    }
  }
  for (const schema of Object.values(doc.components.schemas ?? {})) notRequiredWhenDefaulted(schema)
  noUntypedNullable(doc)
  return doc
}

function finishOperation(operation: Operation): void {
  const responses = operation.responses
  const placeholder = responses['200']
  if (placeholder && placeholder.content === undefined && Object.keys(responses).some((s) => s !== '200' && /^[23]/.test(s))) delete responses['200']
  else if (placeholder && placeholder.content === undefined && !/^[\x20-\x7e]*$/.test(placeholder.description)) placeholder.description = 'OK'
  const secured = (operation.security ?? []).some((requirement) => 'bearerAuth' in (requirement as object))
  operation.security ??= []
  const shared: ErrorStatus[] = [400, 413, 415]
  if (secured) shared.push(401, 503)
  for (const status of shared) responses[status] ??= { description: ERROR_DESCRIPTIONS[status], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
  operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)))
  for (const parameter of operation.parameters ?? []) {
    if (!parameter.schema) continue
    if (parameter.in === 'query') delete parameter.schema.nullable
    if (parameter.schema.default !== undefined) parameter.required = false
  }
}

/**
 * zod's `unknown()` (any JSON value, as in `z.record(z.unknown())`) comes out as `{nullable: true}`;
 * OpenAPI 3.0 allows `nullable` only beside a `type`, and a schema without a type admits null anyway.
 */
function noUntypedNullable(node: unknown): void {
  if (!node || typeof node !== 'object') return
  const schema = node as Json
  if (schema.nullable === true && schema.type === undefined && schema.$ref === undefined) delete schema.nullable
  for (const value of Object.values(schema)) {
    if (Array.isArray(value)) value.forEach(noUntypedNullable)
    else noUntypedNullable(value)
  }
}

/** Walks a schema: an object property with a default is optional in a request. */
function notRequiredWhenDefaulted(schema: unknown): void {
  if (!schema || typeof schema !== 'object') return
  const node = schema as Json & { properties?: Record<string, Json>; required?: string[] }
  if (node.properties && Array.isArray(node.required)) {
    node.required = node.required.filter((key) => node.properties![key]?.default === undefined)
    if (node.required.length === 0) delete node.required
  }
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) value.forEach(notRequiredWhenDefaulted)
    else notRequiredWhenDefaulted(value)
  }
}
