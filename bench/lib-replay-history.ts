import { sql } from 'kysely'
import type { Db } from '../src/db/database'
import { upsertRoomStatus } from '../src/rooms/room.repository'
import { eventOf, roomStream } from '../src/rooms/room-facts.schema'
import {
  applyFact,
  currentPhase,
  decide,
  initialRoomSnapshot,
  persistSnapshot,
  roomState,
  warningDueAt,
  type Phase,
  type RoomCommand,
  type RoomFact,
  type RoomSnapshot,
} from '../machines/interview-room'

/** A small deterministic PRNG (mulberry32), so every run (and the floor) sees the same history. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PHASES: Phase[] = [0, 1, 2, 3].map((sequence) => ({
  sequence,
  question_id: `q-${sequence}`,
  question_type: sequence % 2 ? 'behavioral' : 'coding',
  question_text: `Question ${sequence}`,
  duration_minutes: 20,
  instructions: `Phase ${sequence}: follow the rubric.`,
}))

/**
 * The next command a busy room could plausibly get: mostly pause/resume, now and then a reset, a
 * skip, an injected problem or context, and the due timers (warning, deadline) when the simulated
 * clock passes them. Never completes the room, so the history can be as long as asked.
 */
function nextCommand(snapshot: RoomSnapshot, now: Date, roll: number, n: number): RoomCommand {
  const ctx = snapshot.context
  const state = roomState(snapshot)
  const last = ctx.index === ctx.phases.length - 1
  const inject = (): RoomCommand =>
    n % 2
      ? { type: 'injectProblem', problem_id: `p-${n}`, problem_text: `Problem ${n}: reverse a linked list in place.`, problem_type: 'coding', difficulty: 'medium' }
      : { type: 'injectContext', context_id: `c-${n}`, context_text: `Context ${n}: the candidate prefers TypeScript.`, context_type: 'note' }
  if (state === 'ready') return roll < 0.001 ? inject() : { type: 'startTimer' }
  if (state === 'paused') {
    if (roll < 0.03 && !last) return { type: 'skipPhase' }
    if (roll < 0.06) return { type: 'resetTimer', scope: 'phase' }
    return roll < 0.0605 ? inject() : { type: 'resumeTimer' }
  }
  const phase = currentPhase(ctx)!
  const warning = warningDueAt(ctx)
  if (warning && Date.parse(warning) <= now.getTime()) return { type: 'timerDue', kind: 'warning', sequence: phase.sequence, due_at: warning }
  if (ctx.deadline && Date.parse(ctx.deadline) <= now.getTime()) {
    return last ? { type: 'resetTimer', scope: 'interview' } : { type: 'timerDue', kind: 'deadline', sequence: phase.sequence, due_at: ctx.deadline }
  }
  if (roll < 0.03) return { type: 'resetTimer', scope: 'phase' }
  if (roll < 0.05 && !last) return { type: 'skipPhase' }
  return roll < 0.0505 ? inject() : { type: 'pauseTimer' }
}

/**
 * A long room history built with the pure machine's `decide` and a simulated clock: room_opened,
 * then `total - 1` more facts. Yields each fact with the snapshot after it.
 */
export function* roomHistory(total: number, room: { roomId: string; ownerId: string; sessionId: string }, seed = 42): Generator<{ fact: RoomFact; snapshot: RoomSnapshot }> {
  const rand = random(seed)
  let now = new Date('2025-01-01T09:00:00.000Z')
  let snapshot = initialRoomSnapshot()
  let command: RoomCommand = { type: 'openRoom', room_id: room.roomId, session_id: room.sessionId, owner_id: room.ownerId, title: 'A very long interview', phases: PHASES, warning_fraction: 0.8 }
  for (let n = 0; n < total; ) {
    for (const fact of decide(snapshot, command, now)) {
      snapshot = applyFact(snapshot, fact)
      yield { fact, snapshot }
      if (++n === total) return
    }
    now = new Date(now.getTime() + 1_000 + Math.floor(rand() * 29_000))
    command = nextCommand(snapshot, now, rand(), n)
  }
}

/**
 * Stores a generated history as the runtime would have: the events (recorded_at = the fact's time),
 * a room_snapshots row every `snapshotEvery` versions and the room_status row, in multi-row
 * INSERTs of `batch` rows. Returns the final snapshot.
 */
export async function storeRoomHistory(
  db: Db,
  history: Iterable<{ fact: RoomFact; snapshot: RoomSnapshot }>,
  options: { roomId: string; snapshotEvery: number; batch?: number; onProgress?: (version: number) => void },
): Promise<{ version: number; snapshot: RoomSnapshot }> {
  const batch = options.batch ?? 5_000
  const stream = roomStream(options.roomId)
  let events: { position: number; type: string; data: string; metadata: string; at: string }[] = []
  let snapshots: { version: number; snapshot: string; at: string }[] = []
  let version = 0
  let last: RoomSnapshot | undefined
  const flush = async () => {
    if (events.length > 0) {
      await sql`
        insert into events (stream_id, stream_position, type, data, metadata, recorded_at)
        select ${stream}, e.position, e.type, e.data::jsonb, e.metadata::jsonb, e.at
          from unnest(${events.map((e) => e.position)}::int[], ${events.map((e) => e.type)}::text[], ${events.map((e) => e.data)}::text[],
                      ${events.map((e) => e.metadata)}::text[], ${events.map((e) => e.at)}::timestamptz[])
            as e(position, type, data, metadata, at)`.execute(db)
    }
    if (snapshots.length > 0) {
      await sql`
        insert into room_snapshots (room_id, version, snapshot, at)
        select ${options.roomId}, s.version, s.snapshot::jsonb, s.at
          from unnest(${snapshots.map((s) => s.version)}::int[], ${snapshots.map((s) => s.snapshot)}::text[], ${snapshots.map((s) => s.at)}::timestamptz[]) as s(version, snapshot, at)`.execute(db)
    }
    if (events.length > 0) options.onProgress?.(version)
    events = []
    snapshots = []
  }
  for (const { fact, snapshot } of history) {
    version++
    last = snapshot
    // As the runtime writes them: the payload, and metadata with the schema and machine versions.
    const event = eventOf(fact, { node: 'bench' })
    events.push({ position: version, type: fact.type, data: JSON.stringify(event.data), metadata: JSON.stringify(event.metadata), at: fact.at })
    if (version % options.snapshotEvery === 0) snapshots.push({ version, snapshot: JSON.stringify(persistSnapshot(snapshot)), at: fact.at })
    if (events.length >= batch) await flush()
  }
  await flush()
  if (!last) throw new Error('empty history')
  const ctx = last.context
  await upsertRoomStatus(db, {
    room_id: options.roomId,
    owner_id: ctx.owner_id,
    session_id: ctx.session_id,
    title: ctx.title,
    state: roomState(last),
    current_sequence: ctx.phases[ctx.index]?.sequence ?? null,
    deadline: ctx.deadline ? new Date(ctx.deadline) : null,
    version,
    snapshot: persistSnapshot(last),
    opened_at: new Date(ctx.opened_at!),
    updated_at: new Date(),
  })
  return { version, snapshot: last }
}
