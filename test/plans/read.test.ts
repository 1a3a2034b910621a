import { randomUUID } from 'node:crypto'
import { expect } from 'chai'
import { api, newAdmin, newUser } from '../support/http'
import { PLANS, createPlan } from '../support/rooms'

describe('GET /api/v1/mock-interviews/{id}', () => {
  it('answers the plan, questions included, to its owner and to an admin', async () => {
    const owner = await newUser('plan-owner')
    const plan = await createPlan(owner)
    const mine = await api('GET', `${PLANS}/${plan.id}`, { token: owner.token })
    expect(mine.status, mine.text).to.equal(200)
    expect(mine.body).to.deep.include({ id: plan.id, owner_id: owner.id, phases: plan.phases })
    const admin = await newAdmin()
    const byAdmin = await api('GET', `${PLANS}/${plan.id}`, { token: admin.token })
    expect(byAdmin.status, byAdmin.text).to.equal(200)
    expect(byAdmin.body.id).to.equal(plan.id)
  })

  it("answers another user 404, the same as for an id that does not exist, and shows none of the plan", async () => {
    const owner = await newUser('plan-owner')
    const plan = await createPlan(owner, { title: 'Secret loop', phases: [{ sequence: 1, question_id: 'secret-question', duration_minutes: 5, instructions: 'ask about secrets' }] })
    const other = await newUser('plan-reader')
    const theirs = await api('GET', `${PLANS}/${plan.id}`, { token: other.token })
    const missing = await api('GET', `${PLANS}/${randomUUID()}`, { token: other.token })
    expect(theirs.status, theirs.text).to.equal(404)
    expect(theirs.body.error.code).to.equal(missing.body.error.code)
    expect(theirs.text).to.not.include('secret')
    expect(theirs.text).to.not.include('Secret')
  })
})
