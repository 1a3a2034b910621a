import type { Db } from '../db/database'
import type { RoomOverviewRow, UserRoomRow } from '../db/projection.table'

/** Open rooms from the room_overview projection (the owner's, or everyone's). */
export async function listOpenRooms(db: Db, ownerId: string | undefined, limit: number): Promise<RoomOverviewRow[]> {
  let query = db.selectFrom('room_overview').selectAll().where('state', '<>', 'completed')
  if (ownerId) query = query.where('owner_id', '=', ownerId)
  return query.orderBy('last_event_at', 'desc').limit(limit).execute()
}

/** A user's rooms from the user_rooms projection, newest first. */
export async function listUserRooms(db: Db, filter: { ownerId?: string; states?: string[]; limit: number; offset: number }): Promise<UserRoomRow[]> {
  let query = db.selectFrom('user_rooms').selectAll()
  if (filter.ownerId) query = query.where('owner_id', '=', filter.ownerId)
  if (filter.states?.length) query = query.where('state', 'in', filter.states)
  return query.orderBy('opened_at', 'desc').orderBy('room_id').limit(filter.limit).offset(filter.offset).execute()
}
