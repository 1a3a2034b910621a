import type { Kysely, Transaction } from 'kysely'
import type { UserTable } from './user.table'
import type { RevokedTokenTable } from './revoked-token.table'
import type { ProductTable } from './product.table'

export interface Database {
  users: UserTable
  revoked_tokens: RevokedTokenTable
  products: ProductTable
}

export type Db = Kysely<Database>
export type Tx = Transaction<Database>
