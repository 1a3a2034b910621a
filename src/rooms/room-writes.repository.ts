import { sql } from 'kysely'
import type { Db } from '../db/database'
import { precompiled } from '../db/precompiled'
import type { NewEvent } from '../event-store'
import { MACHINE_VERSION, type DueTimer } from '../../machines/interview-room'
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
 * expected version: its first event goes in at that version + 1 with `on conflict do nothing`, and
 * only commands whose first event went in write anything else, so a command that lost its race
 * writes nothing while the others commit. The unique (stream_id, stream_position) alone finds the
 * lost race, with no look at the stream's head first: an expected version only ever comes from the
 * store, so it is never ahead of the head, and a head that moved on holds that position already.
 * With `announce`, the statement also NOTIFYs that channel, with `node` as the payload, when it
 * wrote any event: delivered on commit, so log readers in other processes wake with no statement
 * of their own (this process delivers its own events without reading them back). Returns the
 * events written, grouped by stream; a stream missing from the answer lost its race (a
 * ConcurrencyError for that command alone).
 *
 * The status row's snapshot may come without the plan (`context.phases`: set by room_opened, never
 * changed since, and most of the snapshot's bytes, which PostgreSQL would parse and write again on
 * every command). The row then keeps the plan it holds, if it is this machine version's snapshot.
 * Otherwise (no row, or another version's) the snapshot is stored without its machine version: no
 * reader restores it, the room is rebuilt from its facts, and its next write sends the whole snapshot.
 *
 * At most one command per room: the statement matches each command to the head it wrote by stream,
 * so two commands for one room would take each other's rows. Rows are inserted in stream order, so
 * two concurrent batches take the unique key's locks in the same order and cannot deadlock.
 *
 * Seam for one more row per command written with its facts (an idempotency record, say): give
 * RoomWrite an optional field, add a list of its rows keyed by `ord` (the command's 1-based
 * position in `writes`), read in SQL with jsonb_to_recordset like the others (json_to_recordset
 * where the row's json must keep its bytes, as the stored answers do), and one more CTE
 * inserting `… from won w join <rows> r on r.ord = w.ord`: the row then commits exactly when the
 * command's facts do, in the same statement. Prefer `on conflict do nothing` and a `returning` the
 * caller checks; a row that violates a constraint fails the whole statement, and GroupCommitter
 * then writes that batch one command per statement, so the error still reaches only its own command.
 * A new room_status column goes into `cmd` and the `status` CTE's insert (and update) lists.
 *
 * The idempotency record goes in that way, but as a plain insert, not `on conflict do nothing`:
 * its row and the command's facts must commit together or not at all, and a key another request
 * stored first (or is storing now: the insert waits for it) must stop the facts too. So it fails
 * the statement with a unique violation on idempotency_keys_pk, GroupCommitter writes the batch's
 * commands one by one, only that command fails, and the runtime then answers the stored answer.
 */
export async function writeRoomBatch(db: Db, writes: RoomWrite[], node: string, leaseGraceMs: number, announce?: string): Promise<Map<string, WrittenRow[]>> {
  // Each list goes as ONE jsonb parameter, read back with jsonb_to_recordset: one JSON.stringify in
  // place of a PostgreSQL array literal (escaped element by element) per column. jsonb, not json:
  // the text is parsed once, and the jsonb columns (snapshot, data, metadata) are taken from it as
  // they are; json_to_recordset would parse each of them again (about 10 µs a row). The stored
  // answers stay json, so their bytes are kept exactly as first sent.
  const cmd = writes.map((w, i) => {
    const r = w.status
    return {
      ord: i + 1, room_id: w.roomId, stream_id: w.streamId, expected: w.expectedVersion, owner_id: r.owner_id, session_id: r.session_id, title: r.title, state: r.state,
      current_sequence: r.current_sequence ?? null, deadline: iso(r.deadline), version: r.version, snapshot: r.snapshot, opened_at: iso(r.opened_at), updated_at: iso(r.updated_at),
      periodic: w.snapshot?.snapshot ?? null, periodic_at: iso(w.snapshot?.at),
    }
  })
  const events = writes.flatMap((w, i) => w.events.map((e, n) => ({ ord: i + 1, n: n + 1, type: e.type, data: e.data, metadata: e.metadata ?? {} })))
  const timers = writes.flatMap((w, i) => w.timers.map((t) => ({ ord: i + 1, kind: t.kind, sequence: t.sequence, due_at: t.due_at })))
  const keys = writes.flatMap((w, i) => (w.idempotency ? [{ ord: i + 1, user_id: w.idempotency.userId, key: w.idempotency.key, fingerprint: w.idempotency.fingerprint, status: w.idempotency.status, body: w.idempotency.body }] : []))
  const [cmdJson, eventsJson, timersJson, keysJson] = [JSON.stringify(cmd), JSON.stringify(events), JSON.stringify(timers), JSON.stringify(keys)]
  const inserted =
    announce === undefined
      ? await writeBatch(db, cmdJson, eventsJson, timersJson, node, leaseGraceMs / 1000, keysJson)
      : await writeAnnouncedBatch(db, cmdJson, eventsJson, timersJson, node, leaseGraceMs / 1000, keysJson, announce, node)
  const byStream = new Map<string, WrittenRow[]>()
  for (const row of inserted) {
    const rows = byStream.get(row.stream_id)
    if (rows) rows.push(row)
    else byStream.set(row.stream_id, [row])
  }
  for (const rows of byStream.values()) rows.sort((a, b) => a.stream_position - b.stream_position)
  return byStream
}

/**
 * The statement writeRoomBatch sends, built and compiled once per variant (see precompiled): only
 * its parameters change from call to call. Each list is ONE jsonb parameter, read back with
 * jsonb_to_recordset (see writeRoomBatch).
 */
const batchStatement = (cmd: string, events: string, timers: string, node: string, leaseSeconds: number, keys: string, announce?: { channel: string; node: string }) => sql<WrittenRow>`
    with cmd as (
      select * from jsonb_to_recordset(${cmd}::jsonb)
             as c(ord int, room_id text, stream_id text, expected int, owner_id uuid, session_id uuid, title text, state text, current_sequence int,
                  deadline timestamptz, version int, snapshot jsonb, opened_at timestamptz, updated_at timestamptz, periodic jsonb, periodic_at timestamptz)
    ),
    ev as (
      select * from jsonb_to_recordset(${events}::jsonb) as e(ord int, n int, type text, data jsonb, metadata jsonb)
    ),
    heads as (
      insert into events (stream_id, stream_position, type, data, metadata)
      select c.stream_id, c.expected + 1, e.type, e.data, e.metadata
        from cmd c join ev e on e.ord = c.ord and e.n = 1
       order by c.stream_id
      on conflict (stream_id, stream_position) do nothing
      returning stream_id, global_position, stream_position, transaction_id, recorded_at
    ),
    won as (select c.* from cmd c join heads h on h.stream_id = c.stream_id),
    tails as (
      insert into events (stream_id, stream_position, type, data, metadata)
      select w.stream_id, w.expected + e.n, e.type, e.data, e.metadata
        from won w join ev e on e.ord = w.ord and e.n > 1
       order by w.stream_id, e.n
      returning stream_id, global_position, stream_position, transaction_id, recorded_at
    ),
    status as (
      insert into room_status (room_id, owner_id, session_id, title, state, current_sequence, deadline, version, snapshot, opened_at, updated_at)
      select room_id, owner_id, session_id, title, state, current_sequence, deadline, version,
             case when snapshot #> '{context,phases}' is null then snapshot - 'machine_version' else snapshot end, opened_at, updated_at
        from won
      on conflict (room_id) do update
        set state = excluded.state, current_sequence = excluded.current_sequence, deadline = excluded.deadline,
            version = excluded.version, updated_at = excluded.updated_at,
            snapshot = case when excluded.snapshot #> '{context,phases}' is not null then excluded.snapshot
                            when room_status.snapshot -> 'machine_version' = ${sql.lit(String(MACHINE_VERSION))}::jsonb and room_status.snapshot #> '{context,phases}' is not null
                            then jsonb_set(excluded.snapshot, '{context,phases}', room_status.snapshot #> '{context,phases}') || ${sql.lit(`{"machine_version": ${MACHINE_VERSION}}`)}::jsonb
                            else excluded.snapshot end
    ),
    tm as (
      select * from jsonb_to_recordset(${timers}::jsonb) as t(ord int, kind text, sequence int, due_at timestamptz)
    ),
    armed as (
      insert into room_timers (room_id, kind, sequence, due_at, leased_by, lease_until)
      select w.room_id, t.kind, t.sequence, t.due_at, ${node}::text, t.due_at + make_interval(secs => ${leaseSeconds}::float8)
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
      select room_id, version, periodic, periodic_at from won where periodic is not null
      on conflict (room_id, version) do nothing
    ),
    ik as (
      select * from json_to_recordset(${keys}::json) as k(ord int, user_id uuid, key text, fingerprint text, status int, body json)
    ),
    keyed as (
      insert into idempotency_keys (user_id, key, fingerprint, room_id, status, body)
      select k.user_id, k.key, k.fingerprint, w.room_id, k.status, k.body from won w join ik k on k.ord = w.ord
    )
    ${announce === undefined ? sql`` : sql`, announced as (select pg_notify(${announce.channel}, ${announce.node}::text) from (select from heads limit 1) h)`}
    select stream_id, global_position, stream_position, transaction_id::text as transaction_id, recorded_at from heads
    ${announce === undefined ? sql`` : sql`cross join (select count(*) from announced) a`}
    union all
    select stream_id, global_position, stream_position, transaction_id::text as transaction_id, recorded_at from tails`

const writeBatch = precompiled((_db: Db, cmd: string, events: string, timers: string, node: string, leaseSeconds: number, keys: string) => batchStatement(cmd, events, timers, node, leaseSeconds, keys))

const writeAnnouncedBatch = precompiled((_db: Db, cmd: string, events: string, timers: string, node: string, leaseSeconds: number, keys: string, channel: string, announcer: string) =>
  batchStatement(cmd, events, timers, node, leaseSeconds, keys, { channel, node: announcer }),
)
