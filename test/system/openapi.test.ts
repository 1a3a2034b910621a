import { expect } from 'chai'
import { api, newUser } from '../support/http'
import { checkContract } from '../support/contract'

type Operation = { operationId: string; security?: unknown[]; summary?: string; parameters?: Array<{ name: string; required: boolean }>; requestBody?: { content: Record<string, { schema: { $ref: string } }> }; responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }> }> }

async function document() {
  const doc = (await api('GET', '/openapi.json')).body
  const operations: Array<[string, Operation]> = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as [string, Operation]))
  return { doc, operations, op: (route: string) => operations.find(([name]) => name === route)![1] }
}

describe('the OpenAPI document as the contract', () => {
  it('gives each operation its real success status: 201 for creations, 204 for deletes, 200 otherwise', async () => {
    const { operations, op } = await document()
    const success = (route: string) => Object.keys(op(route).responses).filter((s) => s.startsWith('2'))
    for (const route of ['POST /api/v1/auth/register', 'POST /api/v1/products', 'POST /api/v1/mock-interviews', 'POST /api/start-interview']) expect(success(route), route).to.deep.equal(['201'])
    for (const route of ['DELETE /api/v1/products/{id}', 'DELETE /api/v1/mock-interviews/{id}']) {
      expect(success(route), route).to.deep.equal(['204'])
      expect(op(route).responses['204']!.content, route).to.equal(undefined)
    }
    for (const [route, operation] of operations) {
      const statuses = Object.keys(operation.responses).filter((s) => s.startsWith('2'))
      expect(statuses, route).to.have.length(1)
      if (statuses[0] !== '204') expect(operation.responses[statuses[0]!]!.content, `${route} documents its body`).to.be.an('object')
    }
  })

  it('documents the error shape on every 4xx and 5xx, and 401 wherever a token is required', async () => {
    const { doc, operations } = await document()
    expect(doc.components.schemas.Error.required).to.have.members(['error', 'request_id'])
    expect(doc.components.schemas.Error.properties.error.required).to.have.members(['code', 'message'])
    for (const [route, operation] of operations) {
      const errors = Object.entries(operation.responses).filter(([s]) => /^[45]/.test(s))
      expect(errors.map(([s]) => s), route).to.include('400')
      for (const [status, response] of errors) expect(response.content?.['application/json']?.schema.$ref, `${route} ${status}`).to.equal('#/components/schemas/Error')
      if (operation.security?.length) expect(operation.responses, route).to.have.property('401')
    }
  })

  it('marks public operations with security: [] and protects the rest with the bearer scheme', async () => {
    const { doc, op } = await document()
    expect(doc.security).to.deep.equal([{ bearerAuth: [] }])
    for (const route of ['POST /api/v1/auth/register', 'POST /api/v1/auth/login', 'GET /api/machines', 'GET /api/machines/{machine_id}', 'GET /health']) expect(op(route).security, route).to.deep.equal([])
    for (const route of ['GET /api/v1/auth/me', 'POST /api/start-interview', 'GET /api/interview/{room_id}/timer/status']) expect(op(route).security, route).to.deep.equal([{ bearerAuth: [] }])
  })

  it('has a server, and describes every operation and response in English', async () => {
    const { doc, operations } = await document()
    expect(doc.servers).to.deep.equal([{ url: '/', description: 'This server' }])
    for (const [route, operation] of operations) {
      expect(operation.summary, route).to.be.a('string').and.not.equal('')
      for (const [status, response] of Object.entries(operation.responses)) expect(response.description, `${route} ${status}`).to.match(/^[\x20-\x7e]+$/)
    }
  })

  it('does not require what has a default or may be left out (limit, format, a phase’s instructions)', async () => {
    const { doc, op } = await document()
    const param = (route: string, name: string) => op(route).parameters!.find((p) => p.name === name)!
    expect(param('GET /api/v1/products', 'limit').required).to.equal(false)
    expect(param('GET /api/interview/{room_id}/history', 'limit').required).to.equal(false)
    expect(param('GET /api/machines/{machine_id}', 'format').required).to.equal(false)
    expect(param('GET /api/machines/{machine_id}', 'machine_id').required).to.equal(true)
    const body = doc.components.schemas[op('POST /api/v1/mock-interviews').requestBody!.content['application/json']!.schema.$ref.split('/').pop()!]
    expect(body.required).to.have.members(['title', 'phases'])
    expect(body.properties.phases.items.required).to.have.members(['sequence', 'question_id', 'duration_minutes'])
    const reset = doc.components.schemas[op('POST /api/interview/{room_id}/timer/reset').requestBody!.content['application/json']!.schema.$ref.split('/').pop()!]
    expect(reset.required ?? []).to.deep.equal([])
  })
})

describe('the contract hook (test/support/contract.ts)', () => {
  const me = { method: 'GET', url: '/api/v1/auth/me', contentType: 'application/json; charset=utf-8' }

  it('passes an answer the document describes', async () => {
    const user = await newUser('contract')
    const reply = await api('GET', '/api/v1/auth/me', { token: user.token })
    expect(() => checkContract({ ...me, status: 200, text: reply.text })).not.to.throw()
  })

  it('fails an undocumented status, naming the operation', () => {
    expect(() => checkContract({ ...me, status: 418, text: '{}' })).to.throw(/AuthController-me \(GET \/api\/v1\/auth\/me\) answered 418: the document lists only 200, 400, 401/)
  })

  it('fails a body that breaks the schema, or carries a field the schema leaves out', async () => {
    const user = await newUser('contract')
    const body = (await api('GET', '/api/v1/auth/me', { token: user.token })).body
    expect(() => checkContract({ ...me, status: 200, text: JSON.stringify({ ...body, role: 'owner' }) })).to.throw(/\/role must be equal to one of the allowed values/)
    expect(() => checkContract({ ...me, status: 200, text: JSON.stringify({ ...body, password_hash: 'x' }) })).to.throw(/must NOT have additional properties: password_hash/)
    expect(() => checkContract({ ...me, status: 401, text: JSON.stringify({ error: { message: 'no code' }, request_id: 'r' }) })).to.throw(/\/error must have required property 'code'/)
  })

  it('fails a body where the document describes none, and an undocumented content type', () => {
    expect(() => checkContract({ method: 'DELETE', url: '/api/v1/products/7c9e6679-7425-40de-944b-e07fc1f90ae7', status: 204, contentType: 'application/json', text: '{}' })).to.throw(/no body/)
    expect(() => checkContract({ ...me, status: 200, contentType: 'text/html', text: '<p>' })).to.throw(/content type text\/html/)
  })

  it('accepts only an error 404 (or 405) for a request no operation describes', () => {
    const notFound = JSON.stringify({ error: { code: 'not_found', message: 'No route' }, request_id: 'r' })
    expect(() => checkContract({ method: 'GET', url: '/api/nothing-here', status: 404, contentType: 'application/json', text: notFound })).not.to.throw()
    expect(() => checkContract({ method: 'GET', url: '/api/nothing-here', status: 200, contentType: 'application/json', text: '{}' })).to.throw(/no such operation/)
  })
})
