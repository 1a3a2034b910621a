import type { Context } from 'koa'
import { body, routeConfig, type ParsedArgs } from 'koa-swagger-decorator'
import { answers } from '../http/openapi'
import { currentUser } from '../http/current-user'
import { CategoryParams, PageQuery, ProductBody, ProductIdParams, ProductPage, ProductPatchBody, ProductResponse, SearchQuery } from './product.schemas'

const TAG = ['Products']
const BASE = '/api/v1/products'
const security = [{ bearerAuth: [] }]

type Args<Q = unknown, P = unknown, B = unknown> = { query: Q; params: P; body: B }

// Every route here requires a user (applied in app.ts before validation, so 401 comes before 400).
// Static paths (/search, /category/…, /my-products) are declared before /{id} so they are never captured by it.
export class ProductController {
  @routeConfig({ method: 'get', path: `${BASE}/search`, summary: 'Search products by name (case-insensitive, literal)', tags: TAG, security, request: { query: SearchQuery }, responses: answers(200, ProductPage) })
  async search(ctx: Context, args: Args<SearchQuery>) {
    ctx.body = await ctx.deps.products.search(args.query.name, args.query)
  }

  @routeConfig({ method: 'get', path: `${BASE}/my-products`, summary: "The signed-in user's products", tags: TAG, security, request: { query: PageQuery }, responses: answers(200, ProductPage) })
  async mine(ctx: Context, args: Args<PageQuery>) {
    ctx.body = await ctx.deps.products.mine(currentUser(ctx), args.query)
  }

  @routeConfig({ method: 'get', path: `${BASE}/category/{category}`, summary: 'Products in a category', tags: TAG, security, request: { params: CategoryParams, query: PageQuery }, responses: answers(200, ProductPage) })
  async byCategory(ctx: Context, args: Args<PageQuery, { category: string }>) {
    ctx.body = await ctx.deps.products.byCategory(args.params.category, args.query)
  }

  @routeConfig({ method: 'get', path: BASE, summary: 'List products (paginated)', tags: TAG, security, request: { query: PageQuery }, responses: answers(200, ProductPage) })
  async list(ctx: Context, args: Args<PageQuery>) {
    ctx.body = await ctx.deps.products.list(args.query)
  }

  @routeConfig({ method: 'post', path: BASE, summary: 'Create a product', tags: TAG, security, responses: answers(201, ProductResponse) })
  @body(ProductBody)
  async create(ctx: Context, args: ParsedArgs<ProductBody>) {
    ctx.status = 201
    ctx.body = await ctx.deps.products.create(currentUser(ctx), args.body!)
  }

  @routeConfig({ method: 'get', path: `${BASE}/{id}`, summary: 'Get a product', tags: TAG, security, request: { params: ProductIdParams }, responses: answers(200, ProductResponse, 404) })
  async get(ctx: Context, args: Args<unknown, { id: string }>) {
    ctx.body = await ctx.deps.products.get(args.params.id)
  }

  @routeConfig({ method: 'put', path: `${BASE}/{id}`, summary: 'Replace a product (owner or admin)', tags: TAG, security, request: { params: ProductIdParams }, responses: answers(200, ProductResponse, 403, 404) })
  @body(ProductBody)
  async replace(ctx: Context, args: Args<unknown, { id: string }, ProductBody>) {
    ctx.body = await ctx.deps.products.replace(currentUser(ctx), args.params.id, args.body)
  }

  @routeConfig({ method: 'patch', path: `${BASE}/{id}`, summary: 'Change some fields of a product (owner or admin)', tags: TAG, security, request: { params: ProductIdParams }, responses: answers(200, ProductResponse, 403, 404) })
  @body(ProductPatchBody)
  async patch(ctx: Context, args: Args<unknown, { id: string }, ProductPatchBody>) {
    ctx.body = await ctx.deps.products.update(currentUser(ctx), args.params.id, args.body)
  }

  @routeConfig({ method: 'delete', path: `${BASE}/{id}`, summary: 'Delete a product (owner or admin)', tags: TAG, security, request: { params: ProductIdParams }, responses: answers(204, null, 403, 404) })
  async remove(ctx: Context, args: Args<unknown, { id: string }>) {
    await ctx.deps.products.remove(currentUser(ctx), args.params.id)
    ctx.status = 204
  }
}
