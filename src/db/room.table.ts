import type { ColumnType, Selectable } from 'kysely'

type Json<T = unknown> = ColumnType<T, string, string>

export interface RoomStatusTable {
  room_id: string
  owner_id: string
  session_id: string
  title: string
  state: string
  current_sequence: number | null
  deadline: Date | null
  version: number
  snapshot: Json
  opened_at: Date
  updated_at: Date
}

export interface RoomTimerTable {
  room_id: string
  kind: string
  sequence: number
  due_at: Date
  leased_by: string | null
  lease_until: Date | null
}

export interface RoomSnapshotTable {
  room_id: string
  version: number
  snapshot: Json
  at: Date
}

export interface InterviewPlanTable {
  id: string
  owner_id: string
  title: string
  phases: Json
  created_at: ColumnType<Date, Date | undefined, Date>
  updated_at: ColumnType<Date, Date | undefined, Date>
}

export type RoomStatusRow = Selectable<RoomStatusTable>
export type RoomTimerRow = Selectable<RoomTimerTable>
export type InterviewPlanRow = Selectable<InterviewPlanTable>
