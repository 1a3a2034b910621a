import { expect } from 'chai'
import { api } from '../support/http'

describe('system endpoints', () => {
  it('GET / names the service and links to the docs', async () => {
    const reply = await api('GET', '/')
    expect(reply.status).to.equal(200)
    expect(reply.body.name).to.equal('mock-interview-api')
    expect(reply.body.links.docs).to.equal('/docs')
  })

  it('GET /health reports the database as reachable', async () => {
    const reply = await api('GET', '/health')
    expect(reply.status).to.equal(200)
    expect(reply.body.status).to.equal('ok')
  })

  it('echoes a given X-Request-Id and makes one otherwise', async () => {
    const given = await api('GET', '/', { headers: { 'x-request-id': 'abc-123' } })
    expect(given.headers.get('x-request-id')).to.equal('abc-123')
    const made = await api('GET', '/')
    expect(made.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/)
  })

  it('answers an unknown route with a JSON 404 carrying the request id', async () => {
    const reply = await api('GET', '/no/such/route')
    expect(reply.status).to.equal(404)
    expect(reply.body.error.code).to.equal('not_found')
    expect(reply.body.request_id).to.be.a('string')
  })
})
