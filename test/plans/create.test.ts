import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { ctx } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'
import { PLANS, expectFieldError, phaseBody } from '../support/rooms'

async function plansOwnedBy(ownerId: string): Promise<number> {
  const row = await ctx()
    .database.db.selectFrom('interview_plans')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('owner_id', '=', ownerId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

describe('POST /api/v1/mock-interviews/', () => {
  let user: TestUser
  beforeEach(async () => {
    user = await newUser('planner')
  })

  it('returns 201 with the plan, owned by the caller, phases ordered by sequence', async () => {
    const body = { title: 'System design loop', phases: [phaseBody(5, 20), phaseBody(0, 1.5, { question_text: 'Design a queue' })] }
    const reply = await api('POST', `${PLANS}/`, { token: user.token, body })
    expect(reply.status, reply.text).to.equal(201)
    expect(reply.body).to.include({ title: 'System design loop', owner_id: user.id })
    expect(reply.body.id).to.match(/^[0-9a-f-]{36}$/)
    expect(reply.body.phases.map((p: { sequence: number }) => p.sequence)).to.deep.equal([0, 5])
    expect(reply.body.phases[0]).to.deep.include({ question_id: 'q0', question_type: 'coding', question_text: 'Design a queue', duration_minutes: 1.5 })
    expect(reply.body.created_at).to.equal(reply.body.updated_at)
    const got = await api('GET', `${PLANS}/${reply.body.id}`, { token: user.token })
    expect(got.body).to.deep.equal(reply.body)
  })

  it('fills the optional phase fields: question_type and question_text null, instructions empty', async () => {
    const reply = await api('POST', `${PLANS}/`, { token: user.token, body: { title: 'Bare', phases: [{ sequence: 1, question_id: 'q1', duration_minutes: 3 }] } })
    expect(reply.status, reply.text).to.equal(201)
    expect(reply.body.phases[0]).to.deep.equal({ sequence: 1, question_id: 'q1', question_type: null, question_text: null, duration_minutes: 3, instructions: '' })
  })

  it('accepts fractional durations and the bounds: just above 0 and exactly 600 minutes, sequence 0', async () => {
    const body = { title: 'Bounds', phases: [phaseBody(0, 0.001), phaseBody(1, 600), phaseBody(2, 0.05)] }
    const reply = await api('POST', `${PLANS}/`, { token: user.token, body })
    expect(reply.status, reply.text).to.equal(201)
    expect(reply.body.phases.map((p: { duration_minutes: number }) => p.duration_minutes)).to.deep.equal([0.001, 600, 0.05])
  })

  it('ignores owner_id, id and timestamps in the body (no mass assignment)', async () => {
    const other = await newUser('other')
    const body = { title: 'Mine', phases: [phaseBody(1, 2)], owner_id: other.id, id: randomUUID(), created_at: '2000-01-01T00:00:00Z' }
    const reply = await api('POST', `${PLANS}/`, { token: user.token, body })
    expect(reply.status, reply.text).to.equal(201)
    expect(reply.body.owner_id).to.equal(user.id)
    expect(reply.body.id).to.not.equal(body.id)
    expect(reply.body.created_at.startsWith('2000')).to.equal(false)
    expect(await plansOwnedBy(other.id)).to.equal(0)
  })

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ['no title', { phases: [phaseBody(1, 2)] }, 'title'],
    ['a blank title', { title: '   ', phases: [phaseBody(1, 2)] }, 'title'],
    ['a title of 201 characters', { title: 'x'.repeat(201), phases: [phaseBody(1, 2)] }, 'title'],
    ['no phases', { title: 'T' }, 'phases'],
    ['an empty phase list', { title: 'T', phases: [] }, 'phases'],
    ['phases that are not a list', { title: 'T', phases: { sequence: 1 } }, 'phases'],
    ['a duplicate sequence', { title: 'T', phases: [phaseBody(1, 2), phaseBody(1, 3)] }, 'phases.1.sequence'],
    ['a negative sequence', { title: 'T', phases: [phaseBody(-1, 2)] }, 'phases.0.sequence'],
    ['a fractional sequence', { title: 'T', phases: [phaseBody(1.5, 2)] }, 'phases.0.sequence'],
    ['a sequence given as a string', { title: 'T', phases: [phaseBody(1, 2, { sequence: '1' })] }, 'phases.0.sequence'],
    ['a duration of 0', { title: 'T', phases: [phaseBody(1, 2), phaseBody(2, 0)] }, 'phases.1.duration_minutes'],
    ['a negative duration', { title: 'T', phases: [phaseBody(1, -1)] }, 'phases.0.duration_minutes'],
    ['a duration above 600 minutes', { title: 'T', phases: [phaseBody(1, 600.5)] }, 'phases.0.duration_minutes'],
    ['a missing duration', { title: 'T', phases: [{ sequence: 1, question_id: 'q1' }] }, 'phases.0.duration_minutes'],
    ['a missing question_id', { title: 'T', phases: [{ sequence: 1, duration_minutes: 2 }] }, 'phases.0.question_id'],
    ['a blank question_id', { title: 'T', phases: [phaseBody(1, 2, { question_id: ' ' })] }, 'phases.0.question_id'],
  ]
  for (const [what, body, path] of invalid) {
    it(`returns 400 naming ${path} for ${what}, and writes nothing`, async () => {
      const reply = await api('POST', `${PLANS}/`, { token: user.token, body })
      expectFieldError(reply, path)
      expect(await plansOwnedBy(user.id)).to.equal(0)
    })
  }

  it('names every bad field at once', async () => {
    const body = { title: '', phases: [phaseBody(1, 0), phaseBody(1, 601)] }
    const reply = await api('POST', `${PLANS}/`, { token: user.token, body })
    for (const path of ['title', 'phases.0.duration_minutes', 'phases.1.duration_minutes', 'phases.1.sequence']) expectFieldError(reply, path)
  })

  it('returns 400 for a body that is not JSON', async () => {
    const reply = await api('POST', `${PLANS}/`, { token: user.token, raw: '{"title": ' })
    expect(reply.status).to.equal(400)
    expect(reply.body.error.code).to.equal('invalid_json')
    expect(await plansOwnedBy(user.id)).to.equal(0)
  })

  it('returns 401 without a token, before looking at the body', async () => {
    const reply = await api('POST', `${PLANS}/`, { body: { title: '' } })
    expect(reply.status).to.equal(401)
    expect(reply.body.error.code).to.equal('unauthorized')
  })
})
