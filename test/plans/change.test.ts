import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { ctx } from '../support/context'
import { api, newAdmin, newUser } from '../support/http'
import { PLANS, createPlan, expectFieldError, phaseBody } from '../support/rooms'

const row = (id: string) => ctx().database.db.selectFrom('interview_plans').selectAll().where('id', '=', id).executeTakeFirst()
const replacement = { title: 'Replaced', phases: [phaseBody(3, 0.5), phaseBody(1, 45)] }

describe('GET /api/v1/mock-interviews/', () => {
  it("lists only the caller's plans, newest first, with the total", async () => {
    const [user, other] = [await newUser('lister'), await newUser('other')]
    const first = await createPlan(user, { title: 'First', phases: [phaseBody(1, 1)] })
    const second = await createPlan(user, { title: 'Second', phases: [phaseBody(1, 1)] })
    await createPlan(other)
    const reply = await api('GET', `${PLANS}/`, { token: user.token })
    expect(reply.status).to.equal(200)
    expect(reply.body).to.include({ total: 2, offset: 0 })
    expect(reply.body.items.map((p: { id: string }) => p.id)).to.deep.equal([second.id, first.id])
  })

  it('pages with limit and offset, and rejects a bad limit with 400', async () => {
    const user = await newUser('pager')
    for (const title of ['a', 'b', 'c']) await createPlan(user, { title, phases: [phaseBody(1, 1)] })
    const page = await api('GET', `${PLANS}/?limit=2&offset=2`, { token: user.token })
    expect(page.body).to.include({ total: 3, limit: 2, offset: 2 })
    expect(page.body.items.map((p: { title: string }) => p.title)).to.deep.equal(['a'])
    const bad = await api('GET', `${PLANS}/?limit=0`, { token: user.token })
    expectFieldError(bad, 'limit')
  })

  it("ignores ?all=true for a user, and gives an admin everyone's plans with it", async () => {
    const [user, admin] = [await newUser('plain'), await newAdmin()]
    const plan = await createPlan(user)
    const mine = await api('GET', `${PLANS}/?all=true`, { token: user.token })
    expect(mine.body.items.every((p: { owner_id: string }) => p.owner_id === user.id)).to.equal(true)
    const all = await api('GET', `${PLANS}/?all=true&limit=100`, { token: admin.token })
    expect(all.body.total).to.be.greaterThan(mine.body.total)
    const own = await api('GET', `${PLANS}/`, { token: admin.token })
    expect(own.body.items.map((p: { id: string }) => p.id)).to.not.include(plan.id)
  })

  it('returns 401 without a token', async () => {
    expect((await api('GET', `${PLANS}/`)).status).to.equal(401)
  })
})

describe('GET /api/v1/mock-interviews/{id}', () => {
  it('returns 404 for an unknown id and 400 naming id for a non-UUID', async () => {
    const user = await newUser('reader')
    const unknown = await api('GET', `${PLANS}/${randomUUID()}`, { token: user.token })
    expect(unknown.status).to.equal(404)
    expect(unknown.body.error.code).to.equal('not_found')
    expectFieldError(await api('GET', `${PLANS}/not-a-uuid`, { token: user.token }), 'id')
  })

  it('returns 401 without a token', async () => {
    const plan = await createPlan(await newUser('owner'))
    expect((await api('GET', `${PLANS}/${plan.id}`)).status).to.equal(401)
  })
})

describe('PUT /api/v1/mock-interviews/{id}', () => {
  it('replaces title and phases for the owner, keeps created_at and moves updated_at', async () => {
    const owner = await newUser('owner')
    const plan = await createPlan(owner)
    const reply = await api('PUT', `${PLANS}/${plan.id}`, { token: owner.token, body: replacement })
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body).to.include({ id: plan.id, owner_id: owner.id, title: 'Replaced', created_at: plan.created_at })
    expect(reply.body.phases.map((p: { sequence: number; duration_minutes: number }) => [p.sequence, p.duration_minutes])).to.deep.equal([[1, 45], [3, 0.5]])
    expect(Date.parse(reply.body.updated_at)).to.be.greaterThan(Date.parse(plan.updated_at))
    expect((await api('GET', `${PLANS}/${plan.id}`, { token: owner.token })).body).to.deep.equal(reply.body)
  })

  it('returns 400 for a body without phases, or with an invalid phase, and changes nothing', async () => {
    const owner = await newUser('owner')
    const plan = await createPlan(owner)
    const before = await row(plan.id)
    expectFieldError(await api('PUT', `${PLANS}/${plan.id}`, { token: owner.token, body: { title: 'Only a title' } }), 'phases')
    expectFieldError(await api('PUT', `${PLANS}/${plan.id}`, { token: owner.token, body: { ...replacement, phases: [phaseBody(1, 0)] } }), 'phases.0.duration_minutes')
    expect(await row(plan.id)).to.deep.equal(before)
  })
})

describe('PATCH /api/v1/mock-interviews/{id}', () => {
  it('changes only the title when only the title is sent', async () => {
    const owner = await newUser('owner')
    const plan = await createPlan(owner)
    const reply = await api('PATCH', `${PLANS}/${plan.id}`, { token: owner.token, body: { title: 'Renamed' } })
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body).to.deep.include({ title: 'Renamed', phases: plan.phases })
  })

  it('changes only the phases when only phases are sent', async () => {
    const owner = await newUser('owner')
    const plan = await createPlan(owner)
    const reply = await api('PATCH', `${PLANS}/${plan.id}`, { token: owner.token, body: { phases: [phaseBody(7, 0.25)] } })
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body.title).to.equal(plan.title)
    expect(reply.body.phases.map((p: { sequence: number }) => p.sequence)).to.deep.equal([7])
  })

  it('ignores owner_id and id in the body (no mass assignment)', async () => {
    const [owner, other] = [await newUser('owner'), await newUser('other')]
    const plan = await createPlan(owner)
    const reply = await api('PATCH', `${PLANS}/${plan.id}`, { token: owner.token, body: { title: 'Still mine', owner_id: other.id, id: randomUUID() } })
    expect(reply.status, reply.text).to.equal(200)
    expect(await row(plan.id)).to.include({ owner_id: owner.id, title: 'Still mine' })
  })

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ['an empty body', {}, 'body'],
    ['only unknown fields', { owner_id: randomUUID() }, 'body'],
    ['a blank title', { title: '' }, 'title'],
    ['an empty phase list', { phases: [] }, 'phases'],
    ['duplicate sequences', { phases: [phaseBody(2, 1), phaseBody(2, 1)] }, 'phases.1.sequence'],
  ]
  for (const [what, body, path] of invalid) {
    it(`returns 400 naming ${path} for ${what}, and changes nothing`, async () => {
      const owner = await newUser('owner')
      const plan = await createPlan(owner)
      const before = await row(plan.id)
      expectFieldError(await api('PATCH', `${PLANS}/${plan.id}`, { token: owner.token, body }), path)
      expect(await row(plan.id)).to.deep.equal(before)
    })
  }
})

describe('DELETE /api/v1/mock-interviews/{id}', () => {
  it('deletes for the owner; the plan is gone and a second delete is 404', async () => {
    const owner = await newUser('owner')
    const plan = await createPlan(owner)
    const reply = await api('DELETE', `${PLANS}/${plan.id}`, { token: owner.token })
    expect(reply.status).to.equal(204)
    expect(await row(plan.id)).to.equal(undefined)
    expect((await api('GET', `${PLANS}/${plan.id}`, { token: owner.token })).status).to.equal(404)
    expect((await api('DELETE', `${PLANS}/${plan.id}`, { token: owner.token })).status).to.equal(404)
  })
})

describe('changing an interview plan: ownership and ids', () => {
  const changes: Array<[string, Record<string, unknown> | undefined]> = [
    ['PUT', replacement],
    ['PATCH', { title: 'Hijacked' }],
    ['DELETE', undefined],
  ]
  for (const [method, body] of changes) {
    it(`${method} by another user is the 404 of an unknown plan and changes nothing`, async () => {
      const [owner, intruder] = [await newUser('owner'), await newUser('intruder')]
      const plan = await createPlan(owner)
      const before = await row(plan.id)
      const reply = await api(method, `${PLANS}/${plan.id}`, { token: intruder.token, body })
      expect(reply.status, reply.text).to.equal(404)
      const unknown = await api(method, `${PLANS}/${randomUUID()}`, { token: intruder.token, body })
      expect(reply.body.error.code).to.equal(unknown.body.error.code)
      expect(reply.body.error.message.replace(plan.id, '<id>')).to.equal(unknown.body.error.message.replace(/[0-9a-f-]{36}/, '<id>'))
      expect(await row(plan.id)).to.deep.equal(before)
    })

    it(`${method} by an admin is allowed and keeps the owner`, async () => {
      const [owner, admin] = [await newUser('owner'), await newAdmin()]
      const plan = await createPlan(owner)
      const reply = await api(method, `${PLANS}/${plan.id}`, { token: admin.token, body })
      expect(reply.status, reply.text).to.equal(method === 'DELETE' ? 204 : 200)
      if (method === 'DELETE') expect(await row(plan.id)).to.equal(undefined)
      else expect(await row(plan.id)).to.include({ owner_id: owner.id })
    })

    it(`${method} of an unknown plan is 404, of a non-UUID id 400, anonymous 401`, async () => {
      const user = await newUser('someone')
      expect((await api(method, `${PLANS}/${randomUUID()}`, { token: user.token, body })).status).to.equal(404)
      expectFieldError(await api(method, `${PLANS}/12345`, { token: user.token, body }), 'id')
      const plan = await createPlan(user)
      const anonymous = await api(method, `${PLANS}/${plan.id}`, { body })
      expect(anonymous.status).to.equal(401)
      expect(await row(plan.id)).to.include({ title: plan.title })
    })
  }
})
