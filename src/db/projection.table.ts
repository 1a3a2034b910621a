import type { ColumnType, Selectable } from 'kysely'

export interface ProjectionCheckpointTable {
  name: string
  transaction_id: ColumnType<string, string | undefined, string>
  global_position: ColumnType<number, number | undefined, number>
  updated_at: ColumnType<Date, Date | undefined, Date>
}

export interface RoomOverviewTable {
  room_id: string
  owner_id: string
  state: string
  current_sequence: number | null
  peers: ColumnType<number, number | undefined, number>
  bot_status: ColumnType<string, string | undefined, string>
  last_event_type: string
  last_event_at: Date
  version: number
}

export interface UserRoomTable {
  room_id: string
  owner_id: string
  title: string
  state: string
  total_phases: number
  problems_injected: ColumnType<number, number | undefined, number>
  opened_at: Date
  started_at: Date | null
  completed_at: Date | null
  session_duration_seconds: number | null
  version: number
}

export type RoomOverviewRow = Selectable<RoomOverviewTable>
export type UserRoomRow = Selectable<UserRoomTable>
