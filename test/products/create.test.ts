import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { sql } from 'kysely'
import { ctx } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'

const PATH = '/api/v1/products/'

const valid = () => ({ name: `Widget ${randomUUID().slice(0, 8)}`, description: 'A widget', price: 19.99, category: 'tools', stock: 3 })

async function countOwnedBy(ownerId: string): Promise<number> {
  const row = await ctx().database.db.selectFrom('products').select((eb) => eb.fn.countAll<number>().as('n')).where('owner_id', '=', ownerId).executeTakeFirstOrThrow()
  return Number(row.n)
}

describe('POST /api/v1/products/', () => {
  let user: TestUser
  beforeEach(async () => {
    user = await newUser('maker')
  })

  it('returns 201 with the product, owned by the caller', async () => {
    const body = valid()
    const reply = await api('POST', PATH, { token: user.token, body })
    expect(reply.status).to.equal(201)
    expect(reply.body).to.include({ ...body, owner_id: user.id })
    expect(reply.body.id).to.match(/^[0-9a-f-]{36}$/)
    expect(Date.parse(reply.body.created_at)).to.be.closeTo(Date.now(), 60_000)
    const got = await api('GET', `/api/v1/products/${reply.body.id}`, { token: user.token })
    expect(got.body).to.deep.equal(reply.body)
  })

  it('defaults stock to 0 and description to null', async () => {
    const reply = await api('POST', PATH, { token: user.token, body: { name: 'Bare', price: 1, category: 'misc' } })
    expect(reply.status).to.equal(201)
    expect(reply.body).to.include({ stock: 0, description: null })
  })

  it('stores prices exactly: 0.1 and 0.2 add up to 0.30 in the database, and 12345678.99 stays itself', async () => {
    const category = `exact-${randomUUID()}`
    for (const price of [0.1, '0.2', 12345678.99, '9999999999.99']) {
      const reply = await api('POST', PATH, { token: user.token, body: { name: 'Exact', price, category } })
      expect(reply.status, `${price}: ${reply.text}`).to.equal(201)
      expect(reply.body.price).to.equal(Number(price))
    }
    const { rows } = await sql<{ price: string }>`select price::text as price from products where category = ${category} order by price`.execute(ctx().database.db)
    expect(rows.map((r) => r.price)).to.deep.equal(['0.10', '0.20', '12345678.99', '9999999999.99'])
    const sum = await sql<{ s: string }>`select sum(price)::text as s from products where category = ${category} and price < 1`.execute(ctx().database.db)
    expect(sum.rows[0]!.s).to.equal('0.30')
  })

  it('ignores owner_id, id and timestamps sent in the body (no mass assignment)', async () => {
    const other = await newUser('victim')
    const id = randomUUID()
    const reply = await api('POST', PATH, {
      token: user.token,
      body: { ...valid(), id, owner_id: other.id, created_at: '2000-01-01T00:00:00.000Z', updated_at: '2000-01-01T00:00:00.000Z' },
    })
    expect(reply.status).to.equal(201)
    expect(reply.body.owner_id).to.equal(user.id)
    expect(reply.body.id).not.to.equal(id)
    expect(reply.body.created_at).not.to.match(/^2000-/)
    expect(await countOwnedBy(other.id)).to.equal(0)
  })

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ['a price of 0', { price: 0 }, 'price'],
    ['a negative price', { price: -5 }, 'price'],
    ['a price with three decimals', { price: 1.005 }, 'price'],
    ['a price with many decimals close to a cent', { price: 19.999999999 }, 'price'],
    ['a float artefact such as 0.1 + 0.2', { price: 0.1 + 0.2 }, 'price'],
    ['a price string with three decimals', { price: '1.234' }, 'price'],
    ['a price that is not a number', { price: 'cheap' }, 'price'],
    ['a price above numeric(12,2)', { price: 10_000_000_000 }, 'price'],
    ['a missing price', { price: undefined }, 'price'],
    ['a fractional stock', { stock: 1.5 }, 'stock'],
    ['a negative stock', { stock: -1 }, 'stock'],
    ['a stock sent as a string', { stock: '5' }, 'stock'],
    ['a missing name', { name: undefined }, 'name'],
    ['a blank name', { name: '   ' }, 'name'],
    ['a name of 201 characters', { name: 'n'.repeat(201) }, 'name'],
    ['a missing category', { category: undefined }, 'category'],
  ]
  for (const [what, change, field] of invalid) {
    it(`returns 400 naming "${field}" for ${what}, and writes nothing`, async () => {
      const reply = await api('POST', PATH, { token: user.token, body: { ...valid(), ...change } })
      expect(reply.status, reply.text).to.equal(400)
      expect(reply.body.error.code).to.equal('validation_error')
      expect(reply.body.error.details.map((d: { path: string }) => d.path)).to.include(field)
      expect(await countOwnedBy(user.id)).to.equal(0)
    })
  }

  it('returns 401 without a token and writes nothing', async () => {
    const body = valid()
    const reply = await api('POST', PATH, { body })
    expect(reply.status).to.equal(401)
    const rows = await ctx().database.db.selectFrom('products').select('id').where('name', '=', body.name).execute()
    expect(rows).to.have.length(0)
  })

  it('returns 400 invalid_json for a malformed body and writes nothing', async () => {
    const reply = await api('POST', PATH, { token: user.token, raw: '{"name": "Broken", "price": 1,' })
    expect(reply.status).to.equal(400)
    expect(reply.body.error.code).to.equal('invalid_json')
    expect(await countOwnedBy(user.id)).to.equal(0)
  })

  it('returns 413 for a body over BODY_LIMIT_KB and writes nothing', async () => {
    const limit = ctx().config.BODY_LIMIT_KB * 1024
    const reply = await api('POST', PATH, { token: user.token, body: { ...valid(), description: 'd'.repeat(limit + 1) } })
    expect(reply.status).to.equal(413)
    expect(reply.body.error.code).to.equal('payload_too_large')
    expect(await countOwnedBy(user.id)).to.equal(0)
  })

  it('accepts a body of exactly BODY_LIMIT_KB', async () => {
    const body = { ...valid(), padding: '' }
    body.padding = 'p'.repeat(ctx().config.BODY_LIMIT_KB * 1024 - Buffer.byteLength(JSON.stringify(body)))
    expect(Buffer.byteLength(JSON.stringify(body))).to.equal(ctx().config.BODY_LIMIT_KB * 1024)
    const reply = await api('POST', PATH, { token: user.token, body })
    expect(reply.status, reply.text).to.equal(201)
  })
})
