import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // One row per async projection: where it stands in the log, written with its rows (compare-and-set).
  await db.schema
    .createTable('projection_checkpoints')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('transaction_id', sql`xid8`, (c) => c.notNull().defaultTo(sql`'0'::xid8`))
    .addColumn('global_position', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()

  // Behind GET /api/connections/status: open rooms with their live connections.
  await db.schema
    .createTable('room_overview')
    .addColumn('room_id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'uuid', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('current_sequence', 'integer')
    .addColumn('peers', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('bot_status', 'text', (c) => c.notNull().defaultTo('idle'))
    .addColumn('last_event_type', 'text', (c) => c.notNull())
    .addColumn('last_event_at', 'timestamptz', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('room_overview_owner_state').on('room_overview').columns(['owner_id', 'state']).execute()

  // Behind GET /api/interview/rooms: each user's rooms, newest first, filterable by state.
  await db.schema
    .createTable('user_rooms')
    .addColumn('room_id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'uuid', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('total_phases', 'integer', (c) => c.notNull())
    .addColumn('problems_injected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('session_duration_seconds', 'integer')
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('user_rooms_owner_opened').on('user_rooms').columns(['owner_id', 'opened_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['user_rooms', 'room_overview', 'projection_checkpoints']) await db.schema.dropTable(table).execute()
}
