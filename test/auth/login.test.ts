import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { ctx } from '../support/context'
import { api, newUser } from '../support/http'

const PATH = '/api/v1/auth/login'

const login = (email: string, password: string) => api('POST', PATH, { body: { email, password } })
const unknownEmail = () => `nobody-${randomUUID().slice(0, 8)}@example.com`

describe('POST /api/v1/auth/login', () => {
  it('returns 200 with a bearer token, its lifetime and the user', async () => {
    const user = await newUser('login')
    const reply = await login(user.email, user.password)
    expect(reply.status).to.equal(200)
    expect(reply.body.token_type).to.equal('bearer')
    expect(reply.body.expires_in).to.equal(ctx().config.JWT_EXPIRE_MINUTES * 60)
    expect(reply.body.user).to.include({ id: user.id, email: user.email, username: user.username, role: 'user' })
    const me = await api('GET', '/api/v1/auth/me', { token: reply.body.access_token })
    expect(me.status).to.equal(200)
    expect(me.body.id).to.equal(user.id)
  })

  it('accepts the email in any case', async () => {
    const user = await newUser('login')
    const reply = await login(user.email.toUpperCase(), user.password)
    expect(reply.status).to.equal(200)
    expect(reply.body.user.id).to.equal(user.id)
  })

  it('answers a wrong password and an unknown email alike: 401, same code and message', async () => {
    const user = await newUser('login')
    const wrongPassword = await login(user.email, 'not the password')
    const wrongEmail = await login(unknownEmail(), user.password)
    expect(wrongPassword.status).to.equal(401)
    expect(wrongEmail.status).to.equal(401)
    expect(wrongPassword.body.error).to.deep.equal(wrongEmail.body.error)
    expect(wrongPassword.body.error.code).to.equal('unauthorized')
    expect(wrongPassword.body).not.to.have.property('access_token')
  })

  it('returns 401, not 500, for a password longer than bcrypt reads', async () => {
    const user = await newUser('login')
    const reply = await login(user.email, `${user.password}${'x'.repeat(100)}`)
    expect(reply.status).to.equal(401)
  })

  it('returns 400 for an invalid email or a missing password', async () => {
    const badEmail = await login('not-an-email', 'whatever123')
    expect(badEmail.status).to.equal(400)
    expect(badEmail.body.error.details[0].path).to.equal('email')
    const noPassword = await api('POST', PATH, { body: { email: unknownEmail() } })
    expect(noPassword.status).to.equal(400)
    expect(noPassword.body.error.details[0].path).to.equal('password')
  })

  it('returns 400 invalid_json for a malformed body', async () => {
    const reply = await api('POST', PATH, { raw: '{"email": "a@b.c", "password": ' })
    expect(reply.status).to.equal(400)
    expect(reply.body.error.code).to.equal('invalid_json')
  })
})

describe('POST /api/v1/auth/login rate limiting', () => {
  const limit = () => ctx().config.LOGIN_RATE_LIMIT

  it(`answers 429 with Retry-After once the limit of attempts is used up, even for the right password`, async () => {
    const user = await newUser('limited')
    for (let i = 0; i < limit(); i++) {
      expect((await login(user.email, 'wrong password')).status, `attempt ${i + 1}`).to.equal(401)
    }
    const blocked = await login(user.email, user.password)
    expect(blocked.status).to.equal(429)
    expect(blocked.body.error.code).to.equal('rate_limited')
    const retryAfter = Number(blocked.headers.get('retry-after'))
    expect(retryAfter).to.be.greaterThan(0)
    expect(retryAfter).to.be.at.most(ctx().config.LOGIN_RATE_WINDOW_SECONDS)
  })

  it('counts unknown emails too, and per email: another email from the same client still gets in', async () => {
    const email = unknownEmail()
    for (let i = 0; i < limit(); i++) expect((await login(email, 'guess')).status).to.equal(401)
    expect((await login(email.toUpperCase(), 'guess')).status).to.equal(429)
    const other = await newUser('limited')
    expect((await login(other.email, other.password)).status).to.equal(200)
  })

  it('starts counting again after a successful login', async () => {
    const user = await newUser('limited')
    for (let i = 0; i < limit() - 1; i++) expect((await login(user.email, 'wrong password')).status).to.equal(401)
    expect((await login(user.email, user.password)).status).to.equal(200)
    for (let i = 0; i < limit(); i++) {
      expect((await login(user.email, 'wrong password')).status, `attempt ${i + 1} after success`).to.equal(401)
    }
    expect((await login(user.email, 'wrong password')).status).to.equal(429)
  })
})
