import { sql } from 'kysely'
import type { Db } from '../db/database'
import { PREPARE } from '../db/prepared'
import type { NewEvent } from '../event-store'
import type { DueTimer } from '../../machines/interview-room'
import type { RoomStatusWrite } from './room.repository'
import type { IdempotencyRecord } from './idempotency.repository'

/** Everything one command writes: its facts at the expected version, and what they imply. */
export interface RoomWrite {
  roomId: string
  streamId: string
  expectedVersion: number
  events: NewEvent[]
  status: RoomStatusWrite
  /** The room's timers after the facts: written over the old ones, the rest deleted. */
  timers: DueTimer[]
  /** A periodic snapshot, when the facts cross a multiple of the snapshot interval. */
  snapshot?: { version: number; snapshot: unknown; at: Date }
  /** The answer stored under the request's Idempotency-Key: written if and only if the facts are. */
  idempotency?: IdempotencyRecord
}

export interface WrittenRow {
  stream_id: string
  global_position: number
  stream_position: number
  transaction_id: string
  recorded_at: Date
}

const iso = (d: Date | string | null | undefined) => (d == null ? null : typeof d === 'string' ? d : d.toISOString())

/**
 * Writes many rooms' commands in ONE statement (one round trip, one transaction): each command's
 * events, its room_status row, its timers and a due snapshot. Each command is fenced by its own
 * expected version: its first event goes in with `on conflict do nothing`, and only commands whose
 * first event went in write anything else, so a command that lost its race writes nothing while
 * the others commit. With `announce`, the statement also NOTIFYs that channel when it wrote any
 * event: delivered on commit, so log readers in other processes wake with no statement of their own.
 * Returns the events written, grouped by stream; a stream missing from the
 * answer lost its race (a ConcurrencyError for that command alone).
 *
 * At most one command per room: two commands for one room in one statement would both pass the
 * version check. Rows are inserted in stream order, so two concurrent batches take the unique
 * key's locks in the same order and cannot deadlock on each other.
 *
 * Seam for one more row per command written with its facts (an idempotency record, say): give
 * RoomWrite an optional field, add an unnest of its columns keyed by `ord` (the command's 1-based
 * position in `writes`; a null entry for commands without one) and one more CTE inserting
 * `… from won w join <rows> r on r.ord = w.ord`: the row then commits exactly when the command's
 * facts do, in the same statement. Prefer `on conflict do nothing` and a `returning` the caller
 * checks; a row that violates a constraint fails the whole statement, and GroupCommitter then
 * writes that batch one command per statement, so the error still reaches only its own command.
 * A new room_status column goes into `cmd` and the `status` CTE's insert (and update) lists.
 *
 * The idempotency record goes in that way, but as a plain insert, not `on conflict do nothing`:
 * its row and the command's facts must commit together or not at all, and a key another request
 * stored first (or is storing now: the insert waits for it) must stop the facts too. So it fails
 * the statement with a unique violation on idempotency_keys_pk, GroupCommitter writes the batch's
 * commands one by one, only that command fails, and the runtime then answers the stored answer.
 */
export async function writeRoomBatch(db: Db, writes: RoomWrite[], node: string, leaseGraceMs: number, announce?: string): Promise<Map<string, WrittenRow[]>> {
  const events = writes.flatMap((w, i) => w.events.map((e, n) => ({ ord: i + 1, n: n + 1, e })))
  const timers = writes.flatMap((w, i) => w.timers.map((t) => ({ ord: i + 1, t })))
  const keys = writes.flatMap((w, i) => (w.idempotency ? [{ ord: i + 1, k: w.idempotency }] : []))
  const s = writes.map((w) => w.status)
  const result = await sql<WrittenRow>`${sql.raw(PREPARE)}
    with cmd as (
      select * from unnest(${writes.map((w) => w.roomId)}::text[], ${writes.map((w) => w.streamId)}::text[], ${writes.map((w) => w.expectedVersion)}::int[],
                           ${s.map((r) => r.owner_id)}::uuid[], ${s.map((r) => r.session_id)}::uuid[], ${s.map((r) => r.title)}::text[], ${s.map((r) => r.state)}::text[],
                           ${s.map((r) => r.current_sequence ?? null)}::int[], ${s.map((r) => iso(r.deadline))}::timestamptz[], ${s.map((r) => r.version)}::int[],
                           ${s.map((r) => JSON.stringify(r.snapshot))}::text[], ${s.map((r) => iso(r.opened_at))}::timestamptz[], ${s.map((r) => iso(r.updated_at))}::timestamptz[],
                           ${writes.map((w) => (w.snapshot ? JSON.stringify(w.snapshot.snapshot) : null))}::text[], ${writes.map((w) => iso(w.snapshot?.at))}::timestamptz[])
             with ordinality as c(room_id, stream_id, expected, owner_id, session_id, title, state, current_sequence, deadline, version, snapshot, opened_at, updated_at, periodic, periodic_at, ord)
    ),
    ev as (
      select * from unnest(${events.map((x) => x.ord)}::int[], ${events.map((x) => x.n)}::int[], ${events.map((x) => x.e.type)}::text[],
                           ${events.map((x) => JSON.stringify(x.e.data))}::text[], ${events.map((x) => JSON.stringify(x.e.metadata ?? {}))}::text[]) as e(ord, n, type, data, metadata)
    ),
    heads as (
      insert into events (stream_id, stream_position, type, data, metadata)
      select c.stream_id, c.expected + 1, e.type, e.data::jsonb, e.metadata::jsonb
        from cmd c join ev e on e.ord = c.ord and e.n = 1
       where (select coalesce(max(stream_position), 0) from events x where x.stream_id = c.stream_id) = c.expected
       order by c.stream_id
      on conflict (stream_id, stream_position) do nothing
      returning stream_id, global_position, stream_position, transaction_id, recorded_at
    ),
    won as (select c.* from cmd c join heads h on h.stream_id = c.stream_id),
    tails as (
      insert into events (stream_id, stream_position, type, data, metadata)
      select w.stream_id, w.expected + e.n, e.type, e.data::jsonb, e.metadata::jsonb
        from won w join ev e on e.ord = w.ord and e.n > 1
       order by w.stream_id, e.n
      returning stream_id, global_position, stream_position, transaction_id, recorded_at
    ),
    status as (
      insert into room_status (room_id, owner_id, session_id, title, state, current_sequence, deadline, version, snapshot, opened_at, updated_at)
      select room_id, owner_id, session_id, title, state, current_sequence, deadline, version, snapshot::jsonb, opened_at, updated_at from won
      on conflict (room_id) do update
        set state = excluded.state, current_sequence = excluded.current_sequence, deadline = excluded.deadline,
            version = excluded.version, snapshot = excluded.snapshot, updated_at = excluded.updated_at
    ),
    tm as (
      select * from unnest(${timers.map((x) => x.ord)}::int[], ${timers.map((x) => x.t.kind)}::text[], ${timers.map((x) => x.t.sequence)}::int[],
                           ${timers.map((x) => x.t.due_at)}::timestamptz[]) as t(ord, kind, sequence, due_at)
    ),
    armed as (
      insert into room_timers (room_id, kind, sequence, due_at, leased_by, lease_until)
      select w.room_id, t.kind, t.sequence, t.due_at, ${node}::text, t.due_at + make_interval(secs => ${leaseGraceMs / 1000}::float8)
        from won w join tm t on t.ord = w.ord
      on conflict (room_id, kind) do update
        set sequence = excluded.sequence, due_at = excluded.due_at, leased_by = excluded.leased_by, lease_until = excluded.lease_until
    ),
    disarmed as (
      delete from room_timers r using won w
       where r.room_id = w.room_id and not exists (select 1 from tm t where t.ord = w.ord and t.kind = r.kind)
    ),
    periodic as (
      insert into room_snapshots (room_id, version, snapshot, at)
      select room_id, version, periodic::jsonb, periodic_at from won where periodic is not null
      on conflict (room_id, version) do nothing
    ),
    ik as (
      select * from unnest(${keys.map((x) => x.ord)}::int[], ${keys.map((x) => x.k.userId)}::uuid[], ${keys.map((x) => x.k.key)}::text[],
                           ${keys.map((x) => x.k.fingerprint)}::text[], ${keys.map((x) => x.k.status)}::int[], ${keys.map((x) => JSON.stringify(x.k.body))}::text[])
             as k(ord, user_id, key, fingerprint, status, body)
    ),
    keyed as (
      insert into idempotency_keys (user_id, key, fingerprint, room_id, status, body)
      select k.user_id, k.key, k.fingerprint, w.room_id, k.status, k.body::json from won w join ik k on k.ord = w.ord
    )
    ${announce === undefined ? sql`` : sql`, announced as (select pg_notify(${announce}, '') from (select from heads limit 1) h)`}
    select stream_id, global_position, stream_position, transaction_id::text as transaction_id, recorded_at from heads
    ${announce === undefined ? sql`` : sql`cross join (select count(*) from announced) a`}
    union all
    select stream_id, global_position, stream_position, transaction_id::text as transaction_id, recorded_at from tails`.execute(db)
  const byStream = new Map<string, WrittenRow[]>()
  for (const row of result.rows) {
    const rows = byStream.get(row.stream_id)
    if (rows) rows.push(row)
    else byStream.set(row.stream_id, [row])
  }
  for (const rows of byStream.values()) rows.sort((a, b) => a.stream_position - b.stream_position)
  return byStream
}
