import { expect } from 'chai'
import { ctx } from '../support/context'
import { api, newUser, type Reply, type TestUser } from '../support/http'

const EXPECTED = ['x-content-type-options', 'x-frame-options', 'referrer-policy', 'content-security-policy', 'cross-origin-resource-policy']

function expectSecurityHeaders(reply: Reply, label: string) {
  for (const name of EXPECTED) expect(reply.headers.get(name), `${label}: ${name}`).to.be.a('string').and.not.equal('')
  expect(reply.headers.get('x-content-type-options'), label).to.equal('nosniff')
}

describe('security headers on every answer, refusals included', () => {
  let user: TestUser
  before(async () => {
    user = await newUser('headers')
  })

  it('are on 400 invalid_json, 413, 415, the storable-text 400, 401, 404 and 405 as on a 200', async () => {
    const cases: Array<[string, Promise<Reply>, number, string?]> = [
      ['200', api('GET', '/api/v1/auth/me', { token: user.token }), 200],
      ['invalid_json', api('POST', '/api/v1/products/', { token: user.token, raw: '{"name":' }), 400, 'invalid_json'],
      ['413', api('POST', '/api/v1/products/', { token: user.token, raw: JSON.stringify({ name: 'x'.repeat(ctx().config.BODY_LIMIT_KB * 1024 + 10) }) }), 413, 'payload_too_large'],
      ['415', api('POST', '/api/v1/products/', { token: user.token, raw: 'name=x', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type'],
      ['NUL in a query', api('GET', '/api/v1/products/?name=%00', { token: user.token }), 400, 'validation_error'],
      ['401', api('GET', '/api/v1/auth/me'), 401, 'unauthorized'],
      ['404', api('GET', '/api/no-such-route'), 404, 'not_found'],
      ['405', api('DELETE', '/api/v1/auth/login'), 405, 'method_not_allowed'],
    ]
    for (const [label, pending, status, code] of cases) {
      const reply = await pending
      expect(reply.status, `${label}: ${reply.text.slice(0, 200)}`).to.equal(status)
      if (code) expect(reply.body.error.code, label).to.equal(code)
      expectSecurityHeaders(reply, label)
    }
  })
})
