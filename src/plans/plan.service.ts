import type { Db } from '../db/database'
import type { InterviewPlanRow } from '../db/room.table'
import type { Clock, IdGenerator } from '../clock'
import type { AuthenticatedUser } from '../auth/auth.service'
import { NotFoundError, ValidationError } from '../http/errors'
import type { Phase } from '../../machines/interview-room'
import * as repo from './plan.repository'
import type { PlanBody, PlanPatchBody, PlanResponse } from './plan.schemas'

export const toPlanResponse = (p: InterviewPlanRow): PlanResponse => ({
  id: p.id,
  owner_id: p.owner_id,
  title: p.title,
  phases: p.phases as Phase[],
  created_at: p.created_at.toISOString(),
  updated_at: p.updated_at.toISOString(),
})

export type PlanService = ReturnType<typeof createPlanService>

export function createPlanService({ db, clock, newId }: { db: Db; clock: Clock; newId: IdGenerator }) {
  async function get(id: string): Promise<InterviewPlanRow> {
    const plan = await repo.findPlanById(db, id)
    if (!plan) throw new NotFoundError(`Interview plan ${id} not found`)
    return plan
  }

  /**
   * A plan its owner or an admin may read, change or delete; anyone else is told what an unknown id
   * is told (404), so not even a change tells them that the plan exists.
   */
  async function accessible(user: AuthenticatedUser, id: string): Promise<InterviewPlanRow> {
    const plan = await get(id)
    if (plan.owner_id !== user.id && user.role !== 'admin') throw new NotFoundError(`Interview plan ${id} not found`)
    return plan
  }

  return {
    get: async (user: AuthenticatedUser, id: string) => toPlanResponse(await accessible(user, id)),

    async list(user: AuthenticatedUser, page: { limit: number; offset: number; all?: boolean }) {
      const ownerId = page.all && user.role === 'admin' ? undefined : user.id
      const { items, total } = await repo.listPlans(db, { ownerId, limit: page.limit, offset: page.offset })
      return { items: items.map(toPlanResponse), total, limit: page.limit, offset: page.offset }
    },

    async create(user: AuthenticatedUser, body: PlanBody) {
      return toPlanResponse(await repo.insertPlan(db, { id: newId(), owner_id: user.id, title: body.title, phases: body.phases }))
    },

    async update(user: AuthenticatedUser, id: string, changes: PlanPatchBody) {
      if (changes.title === undefined && changes.phases === undefined) {
        throw new ValidationError('Nothing to change: send title or phases', [{ path: 'body', message: 'at least one field is required' }])
      }
      await accessible(user, id)
      const updated = await repo.updatePlan(db, id, { ...changes, updated_at: clock() })
      if (!updated) throw new NotFoundError(`Interview plan ${id} not found`)
      return toPlanResponse(updated)
    },

    async remove(user: AuthenticatedUser, id: string) {
      await accessible(user, id)
      if (!(await repo.deletePlan(db, id))) throw new NotFoundError(`Interview plan ${id} not found`)
    },
  }
}
