import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { api, newUser, type TestUser } from '../support/http'

const product = () => ({ name: `Path ${randomUUID().slice(0, 8)}`, price: 5, category: 'paths' })
const plan = () => ({ title: `Plan ${randomUUID().slice(0, 8)}`, phases: [{ sequence: 1, question_id: 'q1', duration_minutes: 1 }] })

// The README writes collections without a trailing slash; clients add one too. Both must answer,
// a POST included (a redirect would turn it into a GET or lose its body), and the document lists one.
describe('collection paths, with and without a trailing slash', () => {
  let user: TestUser
  before(async () => {
    user = await newUser('paths')
  })

  for (const [path, body] of [['/api/v1/products', product], ['/api/v1/mock-interviews', plan]] as const) {
    for (const form of [path, `${path}/`]) {
      it(`POST ${form} creates (201) and GET ${form} lists it`, async () => {
        const created = await api('POST', form, { token: user.token, body: body() })
        expect(created.status, created.text).to.equal(201)
        const listed = await api('GET', `${form}?limit=100`, { token: user.token })
        expect(listed.status).to.equal(200)
        expect(listed.body.total).to.be.greaterThan(0)
        if (path.endsWith('mock-interviews')) expect(listed.body.items.map((p: { id: string }) => p.id)).to.include(created.body.id)
      })
    }
  }

  it('asks for a token on both forms before reading the body (401, not 400)', async () => {
    for (const path of ['/api/v1/products', '/api/v1/products/', '/api/v1/mock-interviews', '/api/v1/mock-interviews/']) {
      expect((await api('POST', path, { body: {} })).status, path).to.equal(401)
    }
  })

  for (const path of ['/api/interview/rooms', '/api/connections/status', '/api/machines']) {
    it(`GET ${path} and ${path}/ answer alike`, async () => {
      const [bare, slashed] = await Promise.all([api('GET', path, { token: user.token }), api('GET', `${path}/`, { token: user.token })])
      expect([bare.status, slashed.status]).to.deep.equal([200, 200])
      expect(Object.keys(slashed.body)).to.deep.equal(Object.keys(bare.body))
    })
  }

  it('the OpenAPI document lists each collection once, without the slash', async () => {
    const paths = Object.keys((await api('GET', '/openapi.json')).body.paths)
    expect(paths).to.include.members(['/api/v1/products', '/api/v1/mock-interviews', '/api/interview/rooms', '/api/machines'])
    expect(paths.filter((p) => p !== '/' && p.endsWith('/'))).to.deep.equal([])
  })
})
