import { sql } from 'kysely'
import type { Db, Tx } from '../db/database'
import { PREPARE } from '../db/prepared'
import type { Insertable } from 'kysely'
import type { RoomStatusRow, RoomStatusTable, RoomTimerRow } from '../db/room.table'
import type { DueTimer } from '../../machines/interview-room'

/** A room_status row as the runtime writes it: the snapshot as an object, serialised here. */
export type RoomStatusWrite = Omit<Insertable<RoomStatusTable>, 'snapshot'> & { snapshot: unknown }

export async function upsertRoomStatus(tx: Tx | Db, row: RoomStatusWrite): Promise<void> {
  const values = { ...row, snapshot: JSON.stringify(row.snapshot) }
  await tx
    .insertInto('room_status')
    .values(values)
    .onConflict((oc) =>
      oc.column('room_id').doUpdateSet({
        state: values.state,
        current_sequence: values.current_sequence,
        deadline: values.deadline,
        version: values.version,
        snapshot: values.snapshot,
        updated_at: values.updated_at,
      }),
    )
    .execute()
}

export async function findRoomStatus(db: Db, roomId: string): Promise<RoomStatusRow | undefined> {
  return db.selectFrom('room_status').selectAll().where('room_id', '=', roomId).executeTakeFirst()
}

/**
 * Replaces the room's timers with the ones its new state needs, in the caller's transaction, in
 * one statement: timers of the new set are written over the old (same room and kind), the rest
 * deleted. The writing process holds a lease until shortly after each is due; if it dies, others
 * take over.
 */
export async function replaceRoomTimers(tx: Tx, roomId: string, timers: DueTimer[], node: string, graceMs: number): Promise<void> {
  const kinds = timers.map((t) => t.kind)
  await sql`${sql.raw(PREPARE)}
    with armed as (
      insert into room_timers (room_id, kind, sequence, due_at, leased_by, lease_until)
      select ${roomId}, t.kind, t.sequence, t.due_at, ${node}, t.due_at + make_interval(secs => ${graceMs / 1000})
        from unnest(${kinds}::text[], ${timers.map((t) => t.sequence)}::int[], ${timers.map((t) => t.due_at)}::timestamptz[]) as t(kind, sequence, due_at)
      on conflict (room_id, kind) do update
        set sequence = excluded.sequence, due_at = excluded.due_at, leased_by = excluded.leased_by, lease_until = excluded.lease_until)
    delete from room_timers where room_id = ${roomId} and kind <> all(${kinds}::text[])`.execute(tx)
}

/** Deletes a timer row only if it is still the one that was armed (a newer one may have replaced it). */
export async function deleteTimer(db: Db, roomId: string, kind: string, dueAt: string): Promise<void> {
  await db.deleteFrom('room_timers').where('room_id', '=', roomId).where('kind', '=', kind).where('due_at', '=', new Date(dueAt)).execute()
}

/** Claims unleased (or abandoned) timers due within the horizon, skipping rows another process is claiming. */
export async function leaseDueTimers(db: Db, node: string, horizonMs: number, leaseMs: number, limit: number): Promise<RoomTimerRow[]> {
  const result = await sql<RoomTimerRow>`
    update room_timers t set leased_by = ${node}, lease_until = now() + make_interval(secs => ${leaseMs / 1000})
      from (select room_id, kind from room_timers
             where due_at <= now() + make_interval(secs => ${horizonMs / 1000})
               and (lease_until is null or lease_until < now())
             order by due_at limit ${limit}
             for update skip locked) due
     where t.room_id = due.room_id and t.kind = due.kind
    returning t.*`.execute(db)
  return result.rows
}

/** Gives up this process's leases (on shutdown) so another process fires them without waiting. */
export async function releaseLeases(db: Db, node: string): Promise<void> {
  await db.updateTable('room_timers').set({ leased_by: null, lease_until: null }).where('leased_by', '=', node).execute()
}

export async function insertRoomSnapshot(tx: Tx, row: { room_id: string; version: number; snapshot: unknown; at: Date }): Promise<void> {
  await tx
    .insertInto('room_snapshots')
    .values({ ...row, snapshot: JSON.stringify(row.snapshot) })
    .onConflict((oc) => oc.columns(['room_id', 'version']).doNothing())
    .execute()
}

/** The latest stored snapshot at or before a version (or a time); only those of `machineVersion` when given. */
export async function findSnapshotBefore(db: Db, roomId: string, bound: { version?: number; at?: Date }, machineVersion?: number) {
  let query = db.selectFrom('room_snapshots').select(['version', 'snapshot', 'at']).where('room_id', '=', roomId)
  // Filtering reads (and decompresses) each candidate snapshot: only worth it once the latest is stale.
  if (machineVersion !== undefined) query = query.where(sql<string>`snapshot->>'machine_version'`, '=', String(machineVersion))
  if (bound.version !== undefined) query = query.where('version', '<=', bound.version)
  if (bound.at !== undefined) query = query.where('at', '<=', bound.at)
  return query.orderBy('version', 'desc').limit(1).executeTakeFirst()
}
