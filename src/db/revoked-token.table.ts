import type { Generated, Selectable } from 'kysely'

export interface RevokedTokenTable {
  jti: string
  user_id: string
  expires_at: Date
  revoked_at: Generated<Date>
}

export type RevokedTokenRow = Selectable<RevokedTokenTable>
