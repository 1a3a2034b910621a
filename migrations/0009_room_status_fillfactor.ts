import { sql, type Kysely } from 'kysely'

/**
 * Every command rewrites its room's status row. A new row version that fits on its page is a HOT
 * update: no index entry is written. On full pages (the default fillfactor, 100) two of three were
 * not, so each added an entry to both of the table's indexes, and rooms of one owner (a cohort a
 * recruiter scheduled) pile their entries onto the same pages of room_status_owner, which PostgreSQL
 * then clears of dead versions again and again. With half of each page left free, every update
 * was HOT in our runs (10,000 rooms of one owner; test/rooms/status-hot-updates.test.ts).
 * Rows already on full pages move to roomier ones as they are next updated.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table room_status set (fillfactor = 50)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table room_status reset (fillfactor)`.execute(db)
}
