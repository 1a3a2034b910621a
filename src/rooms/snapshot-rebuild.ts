import { sql } from 'kysely'
import type { Db } from '../db/database'
import { initialRoomSnapshot, MACHINE_VERSION, persistSnapshot, type RoomSnapshot } from '../../machines/interview-room'
import { replayRoom } from './replay'

const stale = sql<boolean>`(snapshot->>'machine_version') is distinct from ${String(MACHINE_VERSION)}`

/**
 * Replaces the stored snapshots another machine version made (periodic snapshots, and status rows
 * not written since), each rebuilt from the room's facts at its version. A status row a command
 * moved on meanwhile is left alone (compare-and-set on its version): that command wrote a current one.
 * Returns how many rows it replaced. Rooms are taken a page at a time; one room's facts are folded once.
 */
export async function rebuildStaleSnapshots(db: Db, onRoom?: (roomId: string, replaced: number) => void): Promise<number> {
  let replaced = 0
  let after = ''
  for (;;) {
    const rooms = await sql<{ room_id: string }>`
      select room_id from room_snapshots where ${stale} and room_id > ${after}
      union
      select room_id from room_status where ${stale} and room_id > ${after}
      order by room_id limit 100`.execute(db)
    for (const { room_id } of rooms.rows) {
      const n = await rebuildRoom(db, room_id)
      replaced += n
      onRoom?.(room_id, n)
      after = room_id
    }
    if (rooms.rows.length < 100) return replaced
  }
}

async function rebuildRoom(db: Db, roomId: string): Promise<number> {
  const periodic = await sql<{ version: number }>`select version from room_snapshots where room_id = ${roomId} and ${stale} order by version`.execute(db)
  const status = await sql<{ version: number }>`select version from room_status where room_id = ${roomId} and ${stale}`.execute(db)
  let snapshot: RoomSnapshot = initialRoomSnapshot()
  let at = 0
  let replaced = 0
  const advance = async (version: number) => {
    if (version > at) snapshot = await replayRoom(db, roomId, () => {}, { fromVersion: at + 1, toVersion: version, start: snapshot })
    at = version
    return JSON.stringify(persistSnapshot(snapshot))
  }
  const targets = [...periodic.rows.map((r) => ({ version: r.version, table: 'room_snapshots' as const })), ...status.rows.map((r) => ({ version: r.version, table: 'room_status' as const }))]
  for (const target of targets.sort((a, b) => a.version - b.version)) {
    const persisted = await advance(target.version)
    const table = sql.table(target.table)
    const updated = await sql`update ${table} set snapshot = ${persisted}::jsonb where room_id = ${roomId} and version = ${target.version} and ${stale}`.execute(db)
    replaced += Number(updated.numAffectedRows ?? 0)
  }
  return replaced
}
