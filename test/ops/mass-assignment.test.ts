import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { ctx } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'

const FORGED_ID = '00000000-0000-4000-8000-000000000001'
const LONG_AGO = '2000-01-01T00:00:00.000Z'

/** Fields a client must never be able to set: identity, ownership, privilege, server time, server-made ids. */
const forged = (victim: TestUser) => ({ id: FORGED_ID, role: 'admin', owner_id: victim.id, created_at: LONG_AGO, updated_at: LONG_AGO, session_id: 'forged-session', version: 99 })

const recent = (iso: string) => expect(Date.parse(iso)).to.be.closeTo(Date.now(), 60_000)

describe('mass assignment: fields the server owns are ignored in request bodies', () => {
  let caller: TestUser
  let victim: TestUser
  before(async () => {
    caller = await newUser('assigner')
    victim = await newUser('victim')
  })

  it('POST /api/v1/auth/register makes a plain user whatever role, id or created_at it is sent', async () => {
    const tag = randomUUID().slice(0, 8)
    const body = { email: `climber-${tag}@example.com`, username: `climber_${tag}`, password: 'correct horse battery', ...forged(victim) }
    const reply = await api('POST', '/api/v1/auth/register', { body })
    expect(reply.status).to.equal(201)
    expect(reply.body.role).to.equal('user')
    expect(reply.body.id).to.not.equal(FORGED_ID)
    recent(reply.body.created_at)
    const row = await ctx().database.db.selectFrom('users').select(['role', 'created_at']).where('id', '=', reply.body.id).executeTakeFirstOrThrow()
    expect(row.role).to.equal('user')
    const login = await api('POST', '/api/v1/auth/login', { body: { email: body.email, password: body.password } })
    expect(login.body.user.role).to.equal('user')
  })

  it('POST and PUT /api/v1/products/ keep the caller as owner and the server’s id and times', async () => {
    const product = { name: 'Assigned', price: 5, category: 'mass', stock: 1 }
    const created = await api('POST', '/api/v1/products/', { token: caller.token, body: { ...product, ...forged(victim) } })
    expect(created.status).to.equal(201)
    expect(created.body).to.include({ owner_id: caller.id })
    expect(created.body.id).to.not.equal(FORGED_ID)
    recent(created.body.created_at)
    const replaced = await api('PUT', `/api/v1/products/${created.body.id}`, { token: caller.token, body: { ...product, name: 'Replaced', ...forged(victim) } })
    expect(replaced.status).to.equal(200)
    expect(replaced.body).to.include({ id: created.body.id, owner_id: caller.id, created_at: created.body.created_at, name: 'Replaced' })
    // Still the caller's: the victim cannot change it.
    expect((await api('PATCH', `/api/v1/products/${created.body.id}`, { token: victim.token, body: { name: 'Stolen' } })).status).to.equal(403)
  })

  it('POST and PATCH /api/v1/mock-interviews/ keep the caller as owner', async () => {
    const phases = [{ sequence: 1, question_id: 'q1', duration_minutes: 1, instructions: '' }]
    const created = await api('POST', '/api/v1/mock-interviews/', { token: caller.token, body: { title: 'Mine', phases, ...forged(victim) } })
    expect(created.status).to.equal(201)
    expect(created.body).to.include({ owner_id: caller.id })
    expect(created.body.id).to.not.equal(FORGED_ID)
    recent(created.body.created_at)
    const patched = await api('PATCH', `/api/v1/mock-interviews/${created.body.id}`, { token: caller.token, body: { title: 'Still mine', ...forged(victim) } })
    expect(patched.status).to.equal(200)
    expect(patched.body).to.include({ id: created.body.id, owner_id: caller.id, created_at: created.body.created_at, title: 'Still mine' })
  })

  it('POST /api/start-interview opens the room for the caller with a server-made session id', async () => {
    const roomId = `mass-${randomUUID().slice(0, 12)}`
    const phases = [{ sequence: 1, question_id: 'q1', duration_minutes: 1, instructions: '' }]
    const opened = await api('POST', '/api/start-interview', { token: caller.token, body: { room_id: roomId, phases, ...forged(victim) } })
    expect(opened.status).to.equal(201)
    expect(opened.body.session_id).to.not.equal('forged-session')
    expect(opened.body.session_id).to.match(/^[0-9a-f-]{36}$/)
    expect(opened.body.version).to.equal(1)
    const summary = await api('GET', `/api/status/${roomId}`, { token: caller.token })
    expect(summary.body).to.include({ owner_id: caller.id, session_id: opened.body.session_id })
    recent(summary.body.opened_at)
    expect((await api('GET', `/api/status/${roomId}`, { token: victim.token })).status, 'not the victim’s room').to.equal(404)
    // Naming another owner explicitly is a privilege, not a field to slip in.
    const onBehalf = await api('POST', '/api/start-interview', { token: caller.token, body: { room_id: `${roomId}-b`, phases, user_id: victim.id } })
    expect(onBehalf.status).to.equal(403)
  })
})
