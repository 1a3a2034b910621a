import { sql, type Kysely } from 'kysely'

/**
 * One index entry per stream (its first event): history:check samples stored rooms from it, and
 * listing streams no longer walks every event. Costs one entry per room, written with room_opened.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index events_stream_heads on events (stream_id) where stream_position = 1`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index events_stream_heads`.execute(db)
}
