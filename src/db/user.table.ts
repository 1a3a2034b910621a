import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

export type Role = 'user' | 'admin'

export interface UserTable {
  id: string
  email: string
  username: string
  password_hash: string
  role: ColumnType<Role, Role | undefined, Role>
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type UserRow = Selectable<UserTable>
export type NewUserRow = Insertable<UserTable>
export type UserUpdate = Updateable<UserTable>
