import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { api, newUser, type TestUser } from '../support/http'

const BASE = '/api/v1/products'

async function create(user: TestUser, name: string) {
  const reply = await api('POST', `${BASE}/`, { token: user.token, body: { name, price: 1, category: 'search' } })
  if (reply.status !== 201) throw new Error(`create failed: ${reply.status} ${reply.text}`)
}

const search = async (user: TestUser, name: string, extra = '') => {
  const reply = await api('GET', `${BASE}/search?name=${encodeURIComponent(name)}${extra}`, { token: user.token })
  expect(reply.status, reply.text).to.equal(200)
  return reply.body as { items: Array<{ name: string }>; total: number; limit: number; offset: number }
}

const names = (page: { items: Array<{ name: string }> }) => page.items.map((p) => p.name).sort()

describe('GET /api/v1/products/search', () => {
  let user: TestUser
  let tag: string
  beforeEach(async () => {
    user = await newUser('searcher')
    tag = randomUUID().slice(0, 8)
  })

  it('finds a case-insensitive substring of the name', async () => {
    await create(user, `Red ${tag} Kettle`)
    await create(user, `blue ${tag} kettle`)
    await create(user, `Red ${tag} Teapot`)
    const page = await search(user, `${tag.toUpperCase()} KETTLE`)
    expect(names(page)).to.deep.equal([`Red ${tag} Kettle`, `blue ${tag} kettle`].sort())
    expect(page.total).to.equal(2)
  })

  it('treats % in the query literally', async () => {
    await create(user, `${tag} 100% cotton`)
    await create(user, `${tag} 100 cotton`)
    await create(user, `${tag} 1000 cottons`)
    expect(names(await search(user, `${tag} 100%`))).to.deep.equal([`${tag} 100% cotton`])
    expect(names(await search(user, `${tag} 1%0`))).to.deep.equal([])
  })

  it('treats _ in the query literally', async () => {
    await create(user, `${tag} snake_case`)
    await create(user, `${tag} snakeXcase`)
    expect(names(await search(user, `${tag} snake_case`))).to.deep.equal([`${tag} snake_case`])
  })

  it('treats a backslash in the query literally', async () => {
    await create(user, `${tag} C:\\temp`)
    await create(user, `${tag} C:temp`)
    expect(names(await search(user, `${tag} C:\\t`))).to.deep.equal([`${tag} C:\\temp`])
  })

  it('paginates its results with the total count', async () => {
    for (let i = 0; i < 3; i++) await create(user, `${tag} item ${i}`)
    const page = await search(user, tag, '&limit=2&offset=1')
    expect(page).to.include({ total: 3, limit: 2, offset: 1 })
    expect(page.items).to.have.length(2)
  })

  it('returns 400 without a name, or with limit=101', async () => {
    const missing = await api('GET', `${BASE}/search`, { token: user.token })
    expect(missing.status).to.equal(400)
    expect(missing.body.error.details[0].path).to.equal('name')
    expect((await api('GET', `${BASE}/search?name=x&limit=101`, { token: user.token })).status).to.equal(400)
  })

  it('returns 401 without a token', async () => {
    expect((await api('GET', `${BASE}/search?name=x`)).status).to.equal(401)
  })
})
