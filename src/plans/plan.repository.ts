import type { Db } from '../db/database'
import type { InterviewPlanRow } from '../db/room.table'

export async function insertPlan(db: Db, plan: { id: string; owner_id: string; title: string; phases: unknown }): Promise<InterviewPlanRow> {
  return db
    .insertInto('interview_plans')
    .values({ ...plan, phases: JSON.stringify(plan.phases) })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function findPlanById(db: Db, id: string): Promise<InterviewPlanRow | undefined> {
  return db.selectFrom('interview_plans').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function listPlans(db: Db, filter: { ownerId?: string; limit: number; offset: number }) {
  let base = db.selectFrom('interview_plans')
  if (filter.ownerId) base = base.where('owner_id', '=', filter.ownerId)
  const [items, count] = await Promise.all([
    base.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(filter.limit).offset(filter.offset).execute(),
    base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ])
  return { items, total: Number(count.total) }
}

export async function updatePlan(db: Db, id: string, changes: { title?: string; phases?: unknown; updated_at: Date }) {
  const { phases, ...rest } = changes
  return db
    .updateTable('interview_plans')
    .set({ ...rest, ...(phases === undefined ? {} : { phases: JSON.stringify(phases) }) })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

export async function deletePlan(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('interview_plans').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}
