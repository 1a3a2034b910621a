import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { ctx } from '../support/context'
import { api, newAdmin, newUser, type TestUser } from '../support/http'

const BASE = '/api/v1/products'

async function create(user: TestUser): Promise<string> {
  const reply = await api('POST', `${BASE}/`, { token: user.token, body: { name: 'Doomed', price: 1, category: 'misc' } })
  if (reply.status !== 201) throw new Error(`create failed: ${reply.status} ${reply.text}`)
  return reply.body.id
}

const exists = async (id: string) => (await ctx().database.db.selectFrom('products').select('id').where('id', '=', id).executeTakeFirst()) !== undefined

describe('DELETE /api/v1/products/{id}', () => {
  it('returns 204 for the owner, after which the product is gone', async () => {
    const owner = await newUser('owner')
    const id = await create(owner)
    const reply = await api('DELETE', `${BASE}/${id}`, { token: owner.token })
    expect(reply.status).to.equal(204)
    expect(reply.text).to.equal('')
    expect(await exists(id)).to.equal(false)
    expect((await api('GET', `${BASE}/${id}`, { token: owner.token })).status).to.equal(404)
    expect((await api('DELETE', `${BASE}/${id}`, { token: owner.token })).status).to.equal(404)
  })

  it('returns 403 to another user and keeps the product', async () => {
    const [owner, stranger] = [await newUser('owner'), await newUser('stranger')]
    const id = await create(owner)
    const reply = await api('DELETE', `${BASE}/${id}`, { token: stranger.token })
    expect(reply.status).to.equal(403)
    expect(reply.body.error.code).to.equal('forbidden')
    expect(await exists(id)).to.equal(true)
  })

  it('lets an admin delete any product', async () => {
    const [owner, admin] = [await newUser('owner'), await newAdmin()]
    const id = await create(owner)
    expect((await api('DELETE', `${BASE}/${id}`, { token: admin.token })).status).to.equal(204)
    expect(await exists(id)).to.equal(false)
  })

  it('returns 401 without a token and keeps the product', async () => {
    const id = await create(await newUser())
    expect((await api('DELETE', `${BASE}/${id}`)).status).to.equal(401)
    expect(await exists(id)).to.equal(true)
  })

  it('returns 404 for an unknown id and 400 for a non-UUID one', async () => {
    const user = await newUser()
    expect((await api('DELETE', `${BASE}/${randomUUID()}`, { token: user.token })).status).to.equal(404)
    const bad = await api('DELETE', `${BASE}/my-products`, { token: user.token })
    expect(bad.status).to.equal(400)
    expect(bad.body.error.details[0].path).to.equal('id')
  })

  it('answers DELETE on the collection with a JSON 405 and the Allow header', async () => {
    const user = await newUser()
    const reply = await api('DELETE', `${BASE}/`, { token: user.token })
    expect(reply.status).to.equal(405)
    expect(reply.body.error.code).to.equal('method_not_allowed')
    expect(reply.headers.get('allow')).to.include('GET').and.to.include('POST')
  })
})
