import { createHmac, randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { SignJWT, UnsecuredJWT, generateKeyPair } from 'jose'
import { ctx } from '../support/context'
import { api, meAnsweredAfter, newUser, refused, type Reply } from '../support/http'

interface Forge {
  sub: string
  alg?: string
  secret?: string
  iss?: string
  aud?: string
  /** Seconds from now; negative for the past. */
  exp?: number
  iat?: number
  jti?: string | null
  extra?: Record<string, unknown>
}

const now = () => Math.floor(Date.now() / 1000)

/** Signs a token the way the service does unless told otherwise, so each test changes one thing. */
async function forge(o: Forge): Promise<string> {
  const c = ctx().config
  const jwt = new SignJWT({ ...o.extra })
    .setProtectedHeader({ alg: o.alg ?? 'HS256', typ: 'JWT' })
    .setSubject(o.sub)
    .setIssuedAt(now() + (o.iat ?? 0))
    .setExpirationTime(now() + (o.exp ?? 600))
    .setIssuer(o.iss ?? c.JWT_ISSUER)
    .setAudience(o.aud ?? c.JWT_AUDIENCE)
  if (o.jti !== null) jwt.setJti(o.jti ?? randomUUID())
  return jwt.sign(new TextEncoder().encode(o.secret ?? c.JWT_SECRET_KEY))
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

function claims(sub: string) {
  const c = ctx().config
  return { sub, jti: randomUUID(), iat: now(), exp: now() + 600, iss: c.JWT_ISSUER, aud: c.JWT_AUDIENCE }
}

/** A token whose header claims RS256 but whose signature is an HMAC with the shared secret (key confusion). */
function rs256WithHmac(sub: string): string {
  const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims(sub))}`
  return `${input}.${createHmac('sha256', ctx().config.JWT_SECRET_KEY).update(input).digest('base64url')}`
}

async function realRs256(sub: string): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256')
  const c = ctx().config
  return new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject(sub).setJti(randomUUID()).setIssuedAt()
    .setExpirationTime('10m').setIssuer(c.JWT_ISSUER).setAudience(c.JWT_AUDIENCE).sign(privateKey)
}

function expectUnauthorized(reply: Reply, where: string): void {
  expect(reply.status, `${where}: ${reply.text}`).to.equal(401)
  expect(reply.body.error.code, where).to.equal('unauthorized')
  expect(reply.headers.get('www-authenticate'), where).to.match(/^Bearer/)
}

/** Every route that takes a user token: each must refuse the same bad tokens. */
const PROTECTED: Array<[string, string]> = [
  ['GET', '/api/v1/auth/me'],
  ['GET', '/api/v1/auth/validate'],
  ['GET', '/api/v1/products/'],
  ['GET', '/api/v1/products/my-products'],
]

async function expectRefusedEverywhere(headers: Record<string, string>): Promise<void> {
  for (const [method, path] of PROTECTED) expectUnauthorized(await api(method, path, { headers }), `${method} ${path}`)
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('GET /api/v1/auth/me and /validate', () => {
  it('return 200 with the user for a valid token, and a token forged the service\'s way is valid', async () => {
    const user = await newUser('tok')
    for (const token of [user.token, await forge({ sub: user.id })]) {
      for (const path of ['/api/v1/auth/me', '/api/v1/auth/validate']) {
        const reply = await api('GET', path, { token })
        expect(reply.status, path).to.equal(200)
        expect(reply.body).to.include({ id: user.id, email: user.email, username: user.username, role: 'user' })
      }
    }
  })

  it('return 401 without an Authorization header', async () => {
    await expectRefusedEverywhere({})
  })

  for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Bearer a b', 'Token abc.def.ghi', 'Bearer not-a-jwt', 'Bearer a.b.c']) {
    it(`return 401 for the malformed header "${header}"`, async () => {
      await expectRefusedEverywhere({ authorization: header })
    })
  }

  const bad: Array<[string, (sub: string) => Promise<string> | string]> = [
    ['an unsigned token (alg "none")', (sub) => new UnsecuredJWT(claims(sub)).encode()],
    ['an HS512 token signed with the right secret', (sub) => forge({ sub, alg: 'HS512' })],
    ['an "RS256" header over an HMAC signature', (sub) => rs256WithHmac(sub)],
    ['a real RS256 token from another key', (sub) => realRs256(sub)],
    ['a token signed with another secret', (sub) => forge({ sub, secret: 'another-secret-that-is-at-least-32-bytes' })],
    ['an expired token', (sub) => forge({ sub, iat: -3600, exp: -60 })],
    ['a token from another issuer', (sub) => forge({ sub, iss: 'someone-else' })],
    ['a token for another audience', (sub) => forge({ sub, aud: 'another-app' })],
    ['a token without a jti', (sub) => forge({ sub, jti: null })],
    ['a token whose subject is not a user id', () => forge({ sub: 'admin' })],
    ['a room-scoped stream token', (sub) => forge({ sub, extra: { scope: 'room:stream', room_id: randomUUID() } })],
    ['a token with an empty scope claim', (sub) => forge({ sub, extra: { scope: '' } })],
  ]
  for (const [what, make] of bad) {
    it(`return 401 for ${what}`, async () => {
      const user = await newUser('tok')
      await expectRefusedEverywhere(bearer(await make(user.id)))
    })
  }

  it('return 401 for a valid token whose payload was altered to another user', async () => {
    const [victim, attacker] = [await newUser('tok'), await newUser('tok')]
    const [header, , signature] = attacker.token.split('.')
    const payload = JSON.parse(Buffer.from(attacker.token.split('.')[1]!, 'base64url').toString())
    const tampered = `${header}.${b64({ ...payload, sub: victim.id })}.${signature}`
    await expectRefusedEverywhere(bearer(tampered))
  })

  it('return 401 once the token\'s user has been deleted', async () => {
    const user = await newUser('tok')
    expect((await api('GET', '/api/v1/auth/me', { token: user.token })).status).to.equal(200)
    await ctx().database.db.deleteFrom('users').where('id', '=', user.id).execute()
    // The service may answer from the user it read for up to USER_CACHE_MS (the row's trigger
    // tells it sooner on PostgreSQL): after that, refused everywhere.
    const waited = await meAnsweredAfter(user.token, refused, ctx().config.USER_CACHE_MS + 1_000)
    expect(waited, 'refused within USER_CACHE_MS').to.be.at.least(0)
    await expectRefusedEverywhere(bearer(user.token))
  })
})

describe('POST /api/v1/auth/logout', () => {
  const revocations = async (userId: string) =>
    ctx().database.db.selectFrom('revoked_tokens').select(['jti', 'expires_at']).where('user_id', '=', userId).execute()

  it('revokes the token: it then gets 401 everywhere, and the user\'s other tokens still work', async () => {
    const user = await newUser('logout')
    const second = await api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } })
    const reply = await api('POST', '/api/v1/auth/logout', { token: user.token })
    expect(reply.status).to.equal(200)
    expect(reply.body.success).to.equal(true)
    await expectRefusedEverywhere(bearer(user.token))
    expectUnauthorized(await api('POST', '/api/v1/auth/logout', { token: user.token }), 'second logout')
    expectUnauthorized(await api('POST', '/api/v1/products/', { token: user.token, body: { name: 'x', price: 1, category: 'c' } }), 'create')
    expect((await api('GET', '/api/v1/auth/me', { token: second.body.access_token })).status).to.equal(200)
  })

  it('keeps the revocation until the token would have expired', async () => {
    const user = await newUser('logout')
    const exp = JSON.parse(Buffer.from(user.token.split('.')[1]!, 'base64url').toString()).exp as number
    await api('POST', '/api/v1/auth/logout', { token: user.token })
    const rows = await revocations(user.id)
    expect(rows).to.have.length(1)
    expect(new Date(rows[0]!.expires_at).getTime()).to.equal(exp * 1000)
  })

  it('returns 401 for a bad token and revokes nothing', async () => {
    const user = await newUser('logout')
    const forged = await forge({ sub: user.id, secret: 'another-secret-that-is-at-least-32-bytes' })
    expectUnauthorized(await api('POST', '/api/v1/auth/logout', { token: forged }), 'forged')
    expectUnauthorized(await api('POST', '/api/v1/auth/logout'), 'anonymous')
    expect(await revocations(user.id)).to.have.length(0)
    expect((await api('GET', '/api/v1/auth/me', { token: user.token })).status).to.equal(200)
  })
})
