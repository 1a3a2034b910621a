import type { Db } from '../db/database'
import type { ProductRow } from '../db/product.table'
import type { Clock, IdGenerator } from '../clock'
import type { AuthenticatedUser } from '../auth/auth.service'
import { ForbiddenError, NotFoundError, ValidationError } from '../http/errors'
import * as repo from './product.repository'
import type { PageQuery, ProductBody, ProductPatchBody, ProductResponse } from './product.schemas'

export const toProductResponse = (p: ProductRow): ProductResponse => ({
  id: p.id,
  name: p.name,
  description: p.description,
  price: Number(p.price),
  category: p.category,
  stock: p.stock,
  owner_id: p.owner_id,
  created_at: p.created_at.toISOString(),
  updated_at: p.updated_at.toISOString(),
})

export type ProductService = ReturnType<typeof createProductService>

export function createProductService({ db, clock, newId }: { db: Db; clock: Clock; newId: IdGenerator }) {
  async function page(filter: repo.ProductFilter, query: PageQuery) {
    const { items, total } = await repo.listProducts(db, filter, query)
    return { items: items.map(toProductResponse), total, limit: query.limit, offset: query.offset }
  }

  async function get(id: string): Promise<ProductRow> {
    const product = await repo.findProductById(db, id)
    if (!product) throw new NotFoundError(`Product ${id} not found`)
    return product
  }

  async function owned(user: AuthenticatedUser, id: string): Promise<ProductRow> {
    const product = await get(id)
    if (product.owner_id !== user.id && user.role !== 'admin') throw new ForbiddenError('Only the owner or an admin may change this product')
    return product
  }

  async function update(user: AuthenticatedUser, id: string, changes: ProductPatchBody): Promise<ProductResponse> {
    if (Object.values(changes).every((v) => v === undefined)) throw new ValidationError('Nothing to change: send at least one field', [{ path: 'body', message: 'at least one field is required' }])
    await owned(user, id)
    const updated = await repo.updateProduct(db, id, { ...changes, updated_at: clock() })
    if (!updated) throw new NotFoundError(`Product ${id} not found`)
    return toProductResponse(updated)
  }

  return {
    list: (query: PageQuery) => page({}, query),
    byCategory: (category: string, query: PageQuery) => page({ category }, query),
    search: (name: string, query: PageQuery) => page({ nameContains: name }, query),
    mine: (user: AuthenticatedUser, query: PageQuery) => page({ ownerId: user.id }, query),
    get: async (id: string) => toProductResponse(await get(id)),

    async create(user: AuthenticatedUser, body: ProductBody) {
      const product = await repo.insertProduct(db, {
        id: newId(),
        name: body.name,
        description: body.description ?? null,
        price: body.price,
        category: body.category,
        stock: body.stock,
        owner_id: user.id,
      })
      return toProductResponse(product)
    },

    update,
    /** PUT: the body is the whole product, so a description left out is cleared, not kept. */
    replace: (user: AuthenticatedUser, id: string, body: ProductBody) => update(user, id, { ...body, description: body.description ?? null }),

    async remove(user: AuthenticatedUser, id: string) {
      await owned(user, id)
      if (!(await repo.deleteProduct(db, id))) throw new NotFoundError(`Product ${id} not found`)
    },
  }
}
