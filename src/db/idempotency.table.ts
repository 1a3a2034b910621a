import type { ColumnType, Selectable } from 'kysely'

/** One answered command per (user, Idempotency-Key), written in the same transaction as its facts. */
export interface IdempotencyKeyTable {
  user_id: string
  key: string
  /** sha256 of method, path and validated body: a reuse for another request is refused. */
  fingerprint: string
  room_id: string
  status: number
  /** The answer's JSON exactly as first sent (json, not jsonb: key order is kept). */
  body: ColumnType<unknown, string, string>
  created_at: ColumnType<Date, Date | undefined, Date>
}

export type IdempotencyKeyRow = Selectable<IdempotencyKeyTable>
