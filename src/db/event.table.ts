import type { ColumnType, Generated, Selectable } from 'kysely'

export interface EventTable {
  global_position: Generated<number>
  stream_id: string
  stream_position: number
  type: string
  data: ColumnType<unknown, string, string>
  metadata: ColumnType<Record<string, unknown>, string | undefined, string>
  /** xid8, read as a string: compare as BigInt. */
  transaction_id: Generated<string>
  recorded_at: Generated<Date>
}

export type EventRow = Selectable<EventTable>
