import type { Db } from '../db/database'
import { precompiled } from '../db/precompiled'
import type { NewProductRow, ProductRow, ProductUpdate } from '../db/product.table'

export interface ProductFilter {
  ownerId?: string
  category?: string
  /** Case-insensitive substring; matched literally. */
  nameContains?: string
}

export interface Page {
  limit: number
  offset: number
}

export const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`)

function filtered(db: Db, filter: ProductFilter) {
  let query = db.selectFrom('products')
  if (filter.ownerId) query = query.where('owner_id', '=', filter.ownerId)
  if (filter.category) query = query.where('category', '=', filter.category)
  if (filter.nameContains) query = query.where('name', 'ilike', `%${escapeLike(filter.nameContains)}%`)
  return query
}

export async function listProducts(db: Db, filter: ProductFilter, page: Page): Promise<{ items: ProductRow[]; total: number }> {
  const [items, count] = await Promise.all([
    filtered(db, filter).selectAll().orderBy('created_at', 'desc').orderBy('id').limit(page.limit).offset(page.offset).execute(),
    filtered(db, filter).select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ])
  return { items, total: Number(count.total) }
}

const productById = precompiled((db: Db, id: string) => db.selectFrom('products').selectAll().where('id', '=', id))

export async function findProductById(db: Db, id: string): Promise<ProductRow | undefined> {
  return (await productById(db, id))[0]
}

export async function insertProduct(db: Db, product: NewProductRow): Promise<ProductRow> {
  return db.insertInto('products').values(product).returningAll().executeTakeFirstOrThrow()
}

export async function updateProduct(db: Db, id: string, changes: ProductUpdate): Promise<ProductRow | undefined> {
  return db.updateTable('products').set(changes).where('id', '=', id).returningAll().executeTakeFirst()
}

export async function deleteProduct(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('products').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}
