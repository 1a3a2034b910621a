import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // The event store (DESIGN §3): one append-only table; (stream_id, stream_position) is the single-writer fence.
  await sql`
    create table events (
      global_position bigint generated always as identity primary key,
      stream_id       text        not null,
      stream_position integer     not null,
      type            text        not null,
      data            jsonb       not null,
      metadata        jsonb       not null default '{}',
      transaction_id  xid8        not null default pg_current_xact_id(),
      recorded_at     timestamptz not null default now(),
      unique (stream_id, stream_position)
    )`.execute(db)
  await sql`create index events_transaction_order on events (transaction_id, global_position)`.execute(db)

  // Inline projection: one row per room, written in the same transaction as its events.
  await db.schema
    .createTable('room_status')
    .addColumn('room_id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('session_id', 'uuid', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('current_sequence', 'integer')
    .addColumn('deadline', 'timestamptz')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('snapshot', 'jsonb', (c) => c.notNull())
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('room_status_owner').on('room_status').columns(['owner_id', 'opened_at']).execute()

  // Durable timers: written and deleted in the same transaction as the facts that arm or cancel them.
  await db.schema
    .createTable('room_timers')
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('leased_by', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addPrimaryKeyConstraint('room_timers_pk', ['room_id', 'kind'])
    .execute()
  await db.schema.createIndex('room_timers_due').on('room_timers').column('due_at').execute()

  // Snapshots every K events, so a point in a long history never needs the whole history.
  await db.schema
    .createTable('room_snapshots')
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('snapshot', 'jsonb', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('room_snapshots_pk', ['room_id', 'version'])
    .execute()

  await db.schema
    .createTable('interview_plans')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('owner_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('phases', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex('interview_plans_owner').on('interview_plans').columns(['owner_id', 'created_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['interview_plans', 'room_snapshots', 'room_timers', 'room_status', 'events']) {
    await db.schema.dropTable(table).execute()
  }
}
