import type { Kysely, Transaction } from 'kysely'
import type { UserTable } from './user.table'
import type { RevokedTokenTable } from './revoked-token.table'
import type { ProductTable } from './product.table'
import type { EventTable } from './event.table'
import type { ProjectionCheckpointTable, RoomOverviewTable, UserRoomTable } from './projection.table'
import type { IdempotencyKeyTable } from './idempotency.table'
import type { InterviewPlanTable, RoomSnapshotTable, RoomStatusTable, RoomTimerTable } from './room.table'

export interface Database {
  users: UserTable
  revoked_tokens: RevokedTokenTable
  products: ProductTable
  events: EventTable
  room_status: RoomStatusTable
  room_timers: RoomTimerTable
  room_snapshots: RoomSnapshotTable
  interview_plans: InterviewPlanTable
  projection_checkpoints: ProjectionCheckpointTable
  room_overview: RoomOverviewTable
  user_rooms: UserRoomTable
  idempotency_keys: IdempotencyKeyTable
}

export type Db = Kysely<Database>
export type Tx = Transaction<Database>
