import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { ctx } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'

const BASE = '/api/v1/products'

async function create(user: TestUser, fields: Record<string, unknown> = {}) {
  const reply = await api('POST', `${BASE}/`, { token: user.token, body: { name: 'Thing', price: 2.5, category: 'misc', ...fields } })
  if (reply.status !== 201) throw new Error(`create failed: ${reply.status} ${reply.text}`)
  return reply.body
}

describe('GET /api/v1/products/{id}', () => {
  it('returns 200 with the product to any signed-in user', async () => {
    const [owner, reader] = [await newUser('owner'), await newUser('reader')]
    const product = await create(owner, { name: 'Readable' })
    const reply = await api('GET', `${BASE}/${product.id}`, { token: reader.token })
    expect(reply.status).to.equal(200)
    expect(reply.body).to.deep.equal(product)
  })

  it('returns 400 for an id that is not a UUID', async () => {
    const user = await newUser()
    const reply = await api('GET', `${BASE}/not-a-uuid`, { token: user.token })
    expect(reply.status).to.equal(400)
    expect(reply.body.error.details[0].path).to.equal('id')
  })

  it('returns 404 for an unknown id', async () => {
    const user = await newUser()
    const reply = await api('GET', `${BASE}/${randomUUID()}`, { token: user.token })
    expect(reply.status).to.equal(404)
    expect(reply.body.error.code).to.equal('not_found')
  })

  it('returns 401 without a token', async () => {
    const product = await create(await newUser())
    expect((await api('GET', `${BASE}/${product.id}`)).status).to.equal(401)
  })
})

describe('GET /api/v1/products/ (paginated)', () => {
  it('pages through every product with a total count that matches the database', async () => {
    const user = await newUser()
    for (let i = 0; i < 3; i++) await create(user, { name: `Paged ${i}` })
    const { n } = await ctx().database.db.selectFrom('products').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    const first = await api('GET', `${BASE}/?limit=2&offset=0`, { token: user.token })
    expect(first.status).to.equal(200)
    expect(first.body).to.include({ total: Number(n), limit: 2, offset: 0 })
    expect(first.body.items).to.have.length(2)
    const ids = new Set<string>()
    for (let offset = 0; offset < Number(n); offset += 100) {
      const page = await api('GET', `${BASE}/?limit=100&offset=${offset}`, { token: user.token })
      for (const item of page.body.items) ids.add(item.id)
    }
    expect(ids.size).to.equal(Number(n))
  })

  it('defaults to limit 20, offset 0, and answers an offset past the end with no items', async () => {
    const user = await newUser()
    await create(user)
    const reply = await api('GET', `${BASE}/`, { token: user.token })
    expect(reply.body).to.include({ limit: 20, offset: 0 })
    const past = await api('GET', `${BASE}/?offset=${reply.body.total}`, { token: user.token })
    expect(past.status).to.equal(200)
    expect(past.body.items).to.deep.equal([])
    expect(past.body.total).to.equal(reply.body.total)
  })

  it('accepts limit 1 and limit 100', async () => {
    const user = await newUser()
    await create(user)
    expect((await api('GET', `${BASE}/?limit=1`, { token: user.token })).body.items).to.have.length(1)
    expect((await api('GET', `${BASE}/?limit=100`, { token: user.token })).status).to.equal(200)
  })

  for (const query of ['limit=0', 'limit=101', 'limit=-1', 'limit=abc', 'limit=2.5', 'offset=-1', 'offset=x']) {
    it(`returns 400 naming the parameter for ?${query}`, async () => {
      const user = await newUser()
      const reply = await api('GET', `${BASE}/?${query}`, { token: user.token })
      expect(reply.status).to.equal(400)
      expect(reply.body.error.details[0].path).to.equal(query.split('=')[0])
    })
  }

  it('returns 401 without a token', async () => {
    expect((await api('GET', `${BASE}/`)).status).to.equal(401)
  })
})

describe('GET /api/v1/products/category/{category}', () => {
  it('returns only that category, paginated, with its total', async () => {
    const user = await newUser()
    const category = `cat-${randomUUID().slice(0, 8)}`
    for (let i = 0; i < 3; i++) await create(user, { category })
    await create(user, { category: `${category}-other` })
    const reply = await api('GET', `${BASE}/category/${category}?limit=2`, { token: user.token })
    expect(reply.status).to.equal(200)
    expect(reply.body.total).to.equal(3)
    expect(reply.body.items).to.have.length(2)
    for (const item of reply.body.items) expect(item.category).to.equal(category)
    const rest = await api('GET', `${BASE}/category/${category}?limit=2&offset=2`, { token: user.token })
    expect(rest.body.items).to.have.length(1)
  })

  it('decodes the category from the path', async () => {
    const user = await newUser()
    const category = `Home & Garden ${randomUUID().slice(0, 8)}`
    await create(user, { category })
    const reply = await api('GET', `${BASE}/category/${encodeURIComponent(category)}`, { token: user.token })
    expect(reply.body.total).to.equal(1)
  })

  it('returns 400 for limit=101', async () => {
    const user = await newUser()
    expect((await api('GET', `${BASE}/category/misc?limit=101`, { token: user.token })).status).to.equal(400)
  })
})

describe('GET /api/v1/products/my-products', () => {
  it("returns the caller's products only", async () => {
    const [me, other] = [await newUser(), await newUser()]
    const mine = [await create(me), await create(me)]
    await create(other)
    const reply = await api('GET', `${BASE}/my-products`, { token: me.token })
    expect(reply.status).to.equal(200)
    expect(reply.body.total).to.equal(2)
    expect(reply.body.items.map((p: { id: string }) => p.id)).to.have.members(mine.map((p) => p.id))
  })
})

describe('static product paths are never captured by /{id}', () => {
  for (const path of ['/search?name=x', '/my-products', '/category/misc']) {
    it(`GET ${BASE}${path} answers 200 with a page, not a 400 for a non-UUID id`, async () => {
      const user = await newUser()
      const reply = await api('GET', `${BASE}${path}`, { token: user.token })
      expect(reply.status, reply.text).to.equal(200)
      expect(reply.body).to.have.all.keys('items', 'total', 'limit', 'offset')
    })
  }
})
