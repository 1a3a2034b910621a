import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { ctx } from '../support/context'
import { api } from '../support/http'

const PATH = '/api/v1/auth/register'

function fresh() {
  const tag = randomUUID().slice(0, 8)
  return { email: `reg-${tag}@example.com`, username: `reg_${tag}`, password: 'long enough pw', tag }
}

async function usersNamed(email: string, username: string): Promise<number> {
  const row = await ctx()
    .database.db.selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or([eb('email', '=', email.toLowerCase()), eb('username', '=', username)]))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

describe('POST /api/v1/auth/register', () => {
  it('returns 201 with the user, its email lower-cased, role "user", and no password', async () => {
    const u = fresh()
    const reply = await api('POST', PATH, { body: { ...u, email: `  ${u.email.toUpperCase()} ` } })
    expect(reply.status).to.equal(201)
    expect(reply.body).to.include({ email: u.email, username: u.username, role: 'user' })
    expect(reply.body.id).to.match(/^[0-9a-f-]{36}$/)
    expect(reply.text).not.to.include(u.password)
    expect(reply.body).not.to.have.any.keys('password', 'password_hash')
    const row = await ctx().database.db.selectFrom('users').selectAll().where('id', '=', reply.body.id).executeTakeFirstOrThrow()
    expect(row.email).to.equal(u.email)
    expect(row.password_hash).to.match(/^\$2[aby]\$/)
    expect(row.password_hash).not.to.include(u.password)
  })

  it('ignores role, id and password_hash sent in the body (no mass assignment)', async () => {
    const u = fresh()
    const id = '00000000-0000-4000-8000-000000000000'
    const reply = await api('POST', PATH, { body: { ...u, role: 'admin', id, password_hash: 'x' } })
    expect(reply.status).to.equal(201)
    expect(reply.body.role).to.equal('user')
    expect(reply.body.id).not.to.equal(id)
    const row = await ctx().database.db.selectFrom('users').select(['role', 'password_hash']).where('id', '=', reply.body.id).executeTakeFirstOrThrow()
    expect(row).to.include({ role: 'user' })
    expect(row.password_hash).not.to.equal('x')
  })

  it('accepts the boundaries: a 3- and a 50-character username, an 8- and a 72-byte password', async () => {
    const { tag } = fresh()
    const short = await api('POST', PATH, { body: { email: `a-${tag}@example.com`, username: `a${tag.slice(0, 2)}`, password: '12345678' } })
    expect(short.status, short.text).to.equal(201)
    const long = await api('POST', PATH, { body: { email: `b-${tag}@example.com`, username: `b${tag}`.padEnd(50, 'x'), password: 'é'.repeat(36) } })
    expect(long.status, long.text).to.equal(201)
  })

  it('returns 409 for an email already registered, in any case, and writes nothing', async () => {
    const u = fresh()
    expect((await api('POST', PATH, { body: u })).status).to.equal(201)
    const other = `${u.username}_2`
    const reply = await api('POST', PATH, { body: { ...u, email: u.email.toUpperCase(), username: other } })
    expect(reply.status).to.equal(409)
    expect(reply.body.error.code).to.equal('conflict')
    expect(await usersNamed('nobody@example.invalid', other)).to.equal(0)
  })

  it('returns 409 for a username already taken and writes nothing', async () => {
    const u = fresh()
    expect((await api('POST', PATH, { body: u })).status).to.equal(201)
    const email = `other-${u.tag}@example.com`
    const reply = await api('POST', PATH, { body: { ...u, email } })
    expect(reply.status).to.equal(409)
    expect(reply.body.error.details[0].path).to.equal('username')
    expect(await usersNamed(email, 'no-such-username')).to.equal(0)
  })

  const invalid: Array<[string, (u: ReturnType<typeof fresh>) => Record<string, unknown>, string]> = [
    ['an email that is not one', (u) => ({ ...u, email: 'not-an-email' }), 'email'],
    ['a missing email', ({ email: _e, ...u }) => u, 'email'],
    ['a username shorter than 3', (u) => ({ ...u, username: 'ab' }), 'username'],
    ['a username longer than 50', (u) => ({ ...u, username: 'u'.repeat(51) }), 'username'],
    ['a username with a space', (u) => ({ ...u, username: 'has space' }), 'username'],
    ['a missing username', ({ username: _n, ...u }) => u, 'username'],
    ['a password shorter than 8 bytes', (u) => ({ ...u, password: '1234567' }), 'password'],
    ['a password longer than 72 bytes', (u) => ({ ...u, password: 'é'.repeat(37) }), 'password'],
    ['a missing password', ({ password: _p, ...u }) => u, 'password'],
  ]
  for (const [what, make, field] of invalid) {
    it(`returns 400 naming "${field}" for ${what}, and writes nothing`, async () => {
      const u = fresh()
      const body = make(u)
      const reply = await api('POST', PATH, { body })
      expect(reply.status).to.equal(400)
      expect(reply.body.error.code).to.equal('validation_error')
      expect(reply.body.error.details.map((d: { path: string }) => d.path)).to.include(field)
      expect(await usersNamed(u.email, u.username)).to.equal(0)
    })
  }

  it('returns 400 invalid_json for a malformed body and writes nothing', async () => {
    const u = fresh()
    const reply = await api('POST', PATH, { raw: `{"email":"${u.email}","username":"${u.username}",` })
    expect(reply.status).to.equal(400)
    expect(reply.body.error.code).to.equal('invalid_json')
    expect(await usersNamed(u.email, u.username)).to.equal(0)
  })
})
