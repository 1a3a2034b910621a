import type { Context } from 'koa'
import { body, routeConfig } from 'koa-swagger-decorator'
import { z } from 'koa-swagger-decorator'
import { currentUser } from '../http/current-user'
import { PageQuery } from '../products/product.schemas'
import { answers } from '../http/openapi'
import { PlanBody, PlanIdParams, PlanPage, PlanPatchBody, PlanResponse } from './plan.schemas'

const TAG = ['Interview plans']
const BASE = '/api/v1/mock-interviews'
const security = [{ bearerAuth: [] }]
const ListQuery = PageQuery.extend({ all: z.enum(['true', 'false']).optional().transform((v) => v === 'true') })

type Args<Q = unknown, P = unknown, B = unknown> = { query: Q; params: P; body: B }
type Id = { id: string }

// Authentication for every route here is applied in app.ts, before input validation.
export class PlanController {
  @routeConfig({ method: 'get', path: BASE, summary: "The signed-in user's interview plans (admins: ?all=true for everyone's)", tags: TAG, security, request: { query: ListQuery }, responses: answers(200, PlanPage) })
  async list(ctx: Context, args: Args<z.infer<typeof ListQuery>>) {
    ctx.body = await ctx.deps.plans.list(currentUser(ctx), args.query)
  }

  @routeConfig({ method: 'post', path: BASE, summary: 'Create an interview plan', tags: TAG, security, responses: answers(201, PlanResponse) })
  @body(PlanBody)
  async create(ctx: Context, args: Args<unknown, unknown, PlanBody>) {
    ctx.status = 201
    ctx.body = await ctx.deps.plans.create(currentUser(ctx), args.body)
  }

  @routeConfig({ method: 'get', path: `${BASE}/{id}`, summary: 'Get an interview plan', tags: TAG, security, request: { params: PlanIdParams }, responses: answers(200, PlanResponse, 404) })
  async get(ctx: Context, args: Args<unknown, Id>) {
    ctx.body = await ctx.deps.plans.get(currentUser(ctx), args.params.id)
  }

  @routeConfig({ method: 'put', path: `${BASE}/{id}`, summary: 'Replace an interview plan (owner or admin)', tags: TAG, security, request: { params: PlanIdParams }, responses: answers(200, PlanResponse, 404) })
  @body(PlanBody)
  async replace(ctx: Context, args: Args<unknown, Id, PlanBody>) {
    ctx.body = await ctx.deps.plans.update(currentUser(ctx), args.params.id, args.body)
  }

  @routeConfig({ method: 'patch', path: `${BASE}/{id}`, summary: 'Change the title or phases of a plan (owner or admin)', tags: TAG, security, request: { params: PlanIdParams }, responses: answers(200, PlanResponse, 404) })
  @body(PlanPatchBody)
  async patch(ctx: Context, args: Args<unknown, Id, PlanPatchBody>) {
    ctx.body = await ctx.deps.plans.update(currentUser(ctx), args.params.id, args.body)
  }

  @routeConfig({ method: 'delete', path: `${BASE}/{id}`, summary: 'Delete an interview plan (owner or admin)', tags: TAG, security, request: { params: PlanIdParams }, responses: answers(204, null, 404) })
  async remove(ctx: Context, args: Args<unknown, Id>) {
    await ctx.deps.plans.remove(currentUser(ctx), args.params.id)
    ctx.status = 204
  }
}
