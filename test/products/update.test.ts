import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { ctx } from '../support/context'
import { api, newAdmin, newUser, type TestUser } from '../support/http'

const BASE = '/api/v1/products'
const full = { name: 'Replaced', description: 'new', price: 7.25, category: 'new-cat', stock: 9 }

async function create(user: TestUser) {
  const reply = await api('POST', `${BASE}/`, { token: user.token, body: { name: 'Original', description: 'old', price: 3.5, category: 'old-cat', stock: 1 } })
  if (reply.status !== 201) throw new Error(`create failed: ${reply.status} ${reply.text}`)
  return reply.body as { id: string; owner_id: string; created_at: string; updated_at: string }
}

const row = (id: string) => ctx().database.db.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirst()

describe('PUT /api/v1/products/{id}', () => {
  it('replaces every field for the owner and moves updated_at', async () => {
    const owner = await newUser('owner')
    const product = await create(owner)
    const reply = await api('PUT', `${BASE}/${product.id}`, { token: owner.token, body: full })
    expect(reply.status).to.equal(200)
    expect(reply.body).to.include({ ...full, id: product.id, owner_id: owner.id, created_at: product.created_at })
    expect(Date.parse(reply.body.updated_at)).to.be.greaterThan(Date.parse(product.updated_at))
    expect((await row(product.id))!.price).to.equal('7.25')
  })

  it('clears the description when the replacement leaves it out', async () => {
    const owner = await newUser('owner')
    const product = await create(owner)
    const { description: _d, ...withoutDescription } = full
    const reply = await api('PUT', `${BASE}/${product.id}`, { token: owner.token, body: withoutDescription })
    expect(reply.status).to.equal(200)
    expect(reply.body.description).to.equal(null)
    expect((await row(product.id))!.description).to.equal(null)
  })

  it('returns 400 for a partial body and changes nothing', async () => {
    const owner = await newUser('owner')
    const product = await create(owner)
    const before = await row(product.id)
    const reply = await api('PUT', `${BASE}/${product.id}`, { token: owner.token, body: { name: 'Only a name' } })
    expect(reply.status).to.equal(400)
    expect(await row(product.id)).to.deep.equal(before)
  })
})

describe('PATCH /api/v1/products/{id}', () => {
  it('changes only the fields sent', async () => {
    const owner = await newUser('owner')
    const product = await create(owner)
    const reply = await api('PATCH', `${BASE}/${product.id}`, { token: owner.token, body: { stock: 0, price: '12345678.99' } })
    expect(reply.status).to.equal(200)
    expect(reply.body).to.include({ name: 'Original', description: 'old', category: 'old-cat', stock: 0, price: 12345678.99 })
    expect((await row(product.id))!.price).to.equal('12345678.99')
  })

  it('ignores owner_id, id and created_at in the body (no mass assignment)', async () => {
    const [owner, other] = [await newUser('owner'), await newUser('other')]
    const product = await create(owner)
    const body = { name: 'Renamed', owner_id: other.id, id: randomUUID(), created_at: '2000-01-01T00:00:00Z' }
    const reply = await api('PATCH', `${BASE}/${product.id}`, { token: owner.token, body })
    expect(reply.status).to.equal(200)
    const after = (await row(product.id))!
    expect(after).to.include({ name: 'Renamed', owner_id: owner.id })
    expect(after.created_at.toISOString()).to.equal(product.created_at)
    expect(await row(body.id)).to.equal(undefined)
  })

  const invalid: Array<[string, Record<string, unknown>]> = [
    ['an empty body', {}],
    ['only unknown fields', { owner_id: randomUUID() }],
    ['a price of 0', { price: 0 }],
    ['a price with three decimals', { price: 1.001 }],
    ['a negative stock', { stock: -1 }],
    ['a fractional stock', { stock: 0.5 }],
    ['a blank name', { name: ' ' }],
    ['a null name', { name: null }],
  ]
  for (const [what, body] of invalid) {
    it(`returns 400 for ${what} and changes nothing`, async () => {
      const owner = await newUser('owner')
      const product = await create(owner)
      const before = await row(product.id)
      const reply = await api('PATCH', `${BASE}/${product.id}`, { token: owner.token, body })
      expect(reply.status, reply.text).to.equal(400)
      expect(await row(product.id)).to.deep.equal(before)
    })
  }

  it('returns 400 invalid_json for a malformed body and changes nothing', async () => {
    const owner = await newUser('owner')
    const product = await create(owner)
    const before = await row(product.id)
    const reply = await api('PATCH', `${BASE}/${product.id}`, { token: owner.token, raw: '{"name": ' })
    expect(reply.body.error.code).to.equal('invalid_json')
    expect(await row(product.id)).to.deep.equal(before)
  })
})

describe('PUT and PATCH /api/v1/products/{id} for someone else', () => {
  for (const [method, body] of [['PUT', full], ['PATCH', { name: 'Hijacked' }]] as const) {
    it(`${method} returns 403 to another user and changes nothing`, async () => {
      const [owner, stranger] = [await newUser('owner'), await newUser('stranger')]
      const product = await create(owner)
      const before = await row(product.id)
      const reply = await api(method, `${BASE}/${product.id}`, { token: stranger.token, body })
      expect(reply.status).to.equal(403)
      expect(reply.body.error.code).to.equal('forbidden')
      expect(await row(product.id)).to.deep.equal(before)
    })

    it(`${method} lets an admin change it, keeping the owner`, async () => {
      const [owner, admin] = [await newUser('owner'), await newAdmin()]
      const product = await create(owner)
      const reply = await api(method, `${BASE}/${product.id}`, { token: admin.token, body })
      expect(reply.status).to.equal(200)
      expect((await row(product.id))!).to.include({ name: body.name, owner_id: owner.id })
    })

    it(`${method} returns 404 for an unknown id, 400 for a non-UUID one, 401 without a token`, async () => {
      const user = await newUser()
      expect((await api(method, `${BASE}/${randomUUID()}`, { token: user.token, body })).status).to.equal(404)
      expect((await api(method, `${BASE}/search`, { token: user.token, body })).status).to.equal(400)
      const product = await create(user)
      expect((await api(method, `${BASE}/${product.id}`, { body })).status).to.equal(401)
      expect((await row(product.id))!.name).to.equal('Original')
    })
  }
})
