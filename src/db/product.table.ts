import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

export interface ProductTable {
  id: string
  name: string
  description: string | null
  // numeric(12,2): read back as a string so the stored value is exact.
  price: ColumnType<string, string, string>
  category: string
  stock: number
  owner_id: string
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type ProductRow = Selectable<ProductTable>
export type NewProductRow = Insertable<ProductTable>
export type ProductUpdate = Updateable<ProductTable>
