import { EventEmitter } from 'node:events'
import type { Db } from '../db/database'
import type { Clock } from '../clock'
import type { Logger } from '../logger'
import { ConcurrencyError, readStream, type EventMetadata, type StoredEvent } from '../event-store'
import { ConflictError, PreconditionFailedError, UnprocessableError } from '../http/errors'
import { isUniqueViolation } from '../db/errors'
import {
  CommandRefused,
  decideAndFold,
  dueTimers,
  initialRoomSnapshot,
  persistSnapshot,
  restorableSnapshot,
  roomState,
  type DueTimer,
  type RoomCommand,
  type RoomFact,
  type RoomSnapshot,
} from '../../machines/interview-room'
import { applyStored, dataOf, eventOf, roomStream } from './room-facts.schema'
import { findRoomStatus } from './room.repository'
import { GroupCommitter, type Announce } from './group-commit'
import { LruMap } from './lru-map'
import { findIdempotencyRecord, IDEMPOTENCY_KEY_CONSTRAINT, IDEMPOTENCY_TTL_HOURS, insertIdempotencyRecord, type IdempotencyRecord, type StoredAnswer } from './idempotency.repository'

export interface LoadedRoom {
  snapshot: RoomSnapshot
  version: number
}

/**
 * A room as this process keeps it. `rowHasPlan`: the room's status row at this version holds this
 * machine version's snapshot with the plan in it (the row was restored, or this process wrote it),
 * so a write may leave the plan out of the snapshot it sends (see commit).
 */
interface CachedRoom extends LoadedRoom {
  rowHasPlan: boolean
}

export interface CommandResult extends LoadedRoom {
  facts: RoomFact[]
  events: StoredEvent[]
}

/** What a client's command may carry to make a retry or a race safe (see {@link RoomRuntime.handle}). */
export interface CommandGuards {
  /** If-Match: the room must be at one of these versions, or 412 and nothing is written. */
  ifMatch?: number[]
  /** Idempotency-Key: the answer is stored with the facts, and a retry is answered with it. */
  idempotency?: { userId: string; key: string; fingerprint: string }
}

/** A command's outcome as its answer is built from it; with a key, before anything is written. */
export interface CommandOutcome extends LoadedRoom {
  facts: RoomFact[]
  events: Array<Pick<StoredEvent, 'type' | 'stream_position' | 'data'>>
}

export type AnswerBuilder = (outcome: CommandOutcome, now: Date) => StoredAnswer

export interface Answered extends StoredAnswer {
  /** True when this is the stored answer to an earlier request with the same key. */
  replayed: boolean
}

export interface AppendedEvent {
  roomId: string
  events: StoredEvent[]
  snapshot: RoomSnapshot
  version: number
  timers: DueTimer[]
}

export interface RoomRuntimeOptions {
  db: Db
  clock: Clock
  logger: Logger
  /** This process, as recorded in event metadata and timer leases. */
  node: string
  snapshotEvery?: number
  /** How long a command keeps retrying conflicting appends before it answers 409. */
  retryForMs?: number
  cacheSize?: number
  /** How long after a timer is due its writer keeps the lease before another process may fire it. */
  leaseGraceMs?: number
  /** Group-commit statements in flight at once (1 on the embedded database: it has one connection). */
  writers?: number
  /** NOTIFY this channel from the writes' statements, for log readers in other processes (see Announce). */
  announce?: Announce
}

/**
 * Runs room commands: load (cache + events since), decide, append at the expected version with
 * the inline projection and timers in one statement (group-committed with other rooms' commands),
 * retry on conflict. Any process may serve
 * any room; the stream's unique position is the only fence, the cache only a cache.
 */
/** A command answered (or failed), for the latency histograms of /metrics. */
export interface ExecutedCommand {
  roomId: string
  command: RoomCommand
  /** From the call to the answer, including the wait for this room's earlier commands. */
  seconds: number
  ok: boolean
  /** For a fired timer that appended a fact: from the deadline to its commit. */
  dueToCommitSeconds?: number
}

export class RoomRuntime extends EventEmitter<{ appended: [AppendedEvent]; executed: [ExecutedCommand] }> {
  /** Counters read by /metrics. */
  readonly stats = { conflicts: 0, exhausted: 0 }
  private readonly cache: LruMap<string, CachedRoom>
  /** A room's owner never changes: once known, never read again (bounded like the cache). */
  private readonly owners: LruMap<string, string>
  /** Kept while idle too, up to cacheSize rooms: see RoomQueue. */
  private readonly queues = new Map<string, RoomQueue>()
  private readonly snapshotEvery: number
  private readonly retryForMs: number
  private readonly cacheSize: number
  readonly leaseGraceMs: number
  readonly committer: GroupCommitter

  constructor(private readonly options: RoomRuntimeOptions) {
    super()
    this.snapshotEvery = options.snapshotEvery ?? 100
    this.retryForMs = options.retryForMs ?? 5_000
    this.cacheSize = options.cacheSize ?? 10_000
    this.cache = new LruMap(this.cacheSize)
    this.owners = new LruMap(this.cacheSize)
    this.leaseGraceMs = options.leaseGraceMs ?? 2_000
    this.committer = new GroupCommitter({ db: options.db, logger: options.logger, node: options.node, leaseGraceMs: this.leaseGraceMs, writers: options.writers, announce: options.announce })
  }

  get node(): string {
    return this.options.node
  }

  /** Commands to one room run one at a time in this process; other processes are fenced by the store. */
  async execute(roomId: string, command: RoomCommand, metadata: EventMetadata = {}): Promise<CommandResult> {
    const { result } = await this.enqueue(roomId, command, () => this.executeWithRetry(roomId, command, metadata, {}))
    return result!
  }

  /**
   * Runs a client's command and answers it. With an idempotency key the answer is built before the
   * write and stored in the statement that writes the facts; a request that finds its key stored is
   * answered with that answer and writes nothing (another request, same key: 422). With If-Match
   * the room must be at that version (412 otherwise, nothing written).
   */
  async handle(roomId: string, command: RoomCommand, metadata: EventMetadata, guards: CommandGuards, answer: AnswerBuilder): Promise<Answered> {
    const done = await this.enqueue(roomId, command, () => this.executeWithRetry(roomId, command, metadata, guards, answer))
    if (done.answer) return { ...done.answer, replayed: done.result === undefined }
    return { ...answer(done.result!, this.options.clock()), replayed: false }
  }

  private enqueue<T extends { result?: CommandResult }>(roomId: string, command: RoomCommand, work: () => Promise<T>): Promise<T> {
    const queue = this.queueOf(roomId)
    const started = performance.now()
    const run = queue.tail.catch(() => undefined).then(work)
    queue.tail = run
    queue.pending++
    const settled = () => {
      if (--queue.pending === 0) queue.tail = IDLE
    }
    run.then(
      (done) => {
        settled()
        this.executed(roomId, command, started, true, done.result)
      },
      () => {
        settled()
        this.executed(roomId, command, started, false)
      },
    )
    return run
  }

  private queueOf(roomId: string): RoomQueue {
    const known = this.queues.get(roomId)
    if (known) return known
    if (this.queues.size >= this.cacheSize) {
      for (const [room, queue] of this.queues) if (queue.pending === 0) this.queues.delete(room)
    }
    const queue = { tail: IDLE, pending: 0 }
    this.queues.set(roomId, queue)
    return queue
  }

  /** The room as of now: the cached snapshot brought up to date with the events appended since. */
  async load(roomId: string): Promise<LoadedRoom> {
    const { snapshot, version } = await this.loadCached(roomId)
    return { snapshot, version }
  }

  private async loadCached(roomId: string): Promise<CachedRoom> {
    const { db } = this.options
    let base = this.cache.get(roomId)
    if (!base) {
      const row = await findRoomStatus(db, roomId)
      // A snapshot another machine version made is not restored: the room is rebuilt from its facts.
      const restored = row && restorableSnapshot(row.snapshot)
      base = row && restored ? { snapshot: restored, version: row.version, rowHasPlan: true } : { snapshot: initialRoomSnapshot(), version: 0, rowHasPlan: false }
    }
    const newer = await readStream(db, roomStream(roomId), { fromVersion: base.version + 1 })
    if (newer.length === 0) return this.remember(roomId, base)
    let snapshot = base.snapshot
    for (const event of newer) snapshot = applyStored(snapshot, event).snapshot
    // Written by another process, whose machine version this one does not know.
    return this.remember(roomId, { snapshot, version: newer[newer.length - 1]!.stream_position, rowHasPlan: false })
  }

  /** The room's owner, or undefined when there is no such room; from memory once known. */
  async ownerOf(roomId: string): Promise<string | undefined> {
    const known = this.owners.get(roomId)
    if (known !== undefined) return known
    // A cached room at version 0 may have been opened since (by another process): read it again.
    const cached = this.cache.get(roomId)
    const { snapshot, version } = cached && cached.version > 0 ? cached : await this.load(roomId)
    return version > 0 ? snapshot.context.owner_id : undefined
  }

  private executed(roomId: string, command: RoomCommand, started: number, ok: boolean, result?: CommandResult): void {
    if (this.listenerCount('executed') === 0) return
    const seconds = (performance.now() - started) / 1000
    const fired = command.type === 'timerDue' && result && result.facts.length > 0
    const dueToCommitSeconds = fired ? (this.options.clock().getTime() - Date.parse(command.due_at)) / 1000 : undefined
    this.emit('executed', { roomId, command, seconds, ok, dueToCommitSeconds })
  }

  forget(roomId: string): void {
    this.cache.delete(roomId)
  }

  /**
   * `answer` set and `result` undefined: a stored answer replayed. The key is not read before the
   * first write: its unique row is the fence. A retry of an answered request either is refused by
   * the room as it is now, or decides new facts whose write fails on the key; both then look the
   * key up and answer the stored answer. So a first request costs no read, a retry a few.
   */
  private async executeWithRetry(roomId: string, command: RoomCommand, metadata: EventMetadata, guards: CommandGuards, build?: AnswerBuilder): Promise<{ result?: CommandResult; answer?: StoredAnswer }> {
    // Bounded by time, not by count: a process with a queue of commands for the same room wins
    // round after round, and a fixed number of tries would starve the other writer.
    const giveUpAt = Date.now() + this.retryForMs
    const key = build ? guards.idempotency : undefined
    for (let attempt = 0; ; attempt++) {
      // After a conflict: the stream moved, or the key is taken (by a request that may be this one's first try).
      if (key && attempt > 0) {
        const stored = await findIdempotencyRecord(this.options.db, key.userId, key.key)
        if (stored) return { answer: replayable(stored, key) }
      }
      let decision: Awaited<ReturnType<RoomRuntime['decideOnLatest']>>
      try {
        decision = await this.decideOnLatest(roomId, command, guards.ifMatch)
      } catch (error) {
        // The room may have moved on because of the first request with this key (this one's first
        // try, or one on another process): then its answer is the answer, not this refusal.
        const refused = error instanceof CommandRefused || error instanceof PreconditionFailedError
        const stored = key && refused ? await findIdempotencyRecord(this.options.db, key.userId, key.key) : undefined
        if (stored) return { answer: replayable(stored, key!) }
        throw error
      }
      const { loaded, facts, snapshot, now } = decision
      const record: IdempotencyRecord | undefined = key && { ...key, roomId, ...build!(pendingOutcome(loaded, facts, snapshot), now) }
      if (facts.length === 0 && !record) return { result: { snapshot: loaded.snapshot, version: loaded.version, facts, events: [] } }
      try {
        const result = await this.commit(roomId, loaded, facts, snapshot, now, { ...metadata, node: this.options.node }, record)
        return { result, answer: record && { status: record.status, body: record.body } }
      } catch (error) {
        if (!(error instanceof ConcurrencyError) && !isUniqueViolation(error, IDEMPOTENCY_KEY_CONSTRAINT)) throw error
        this.cache.delete(roomId)
        this.stats.conflicts++
        if (Date.now() >= giveUpAt) {
          this.stats.exhausted++
          throw new ConflictError(`Room ${roomId} is changing too fast; retry`, { room_id: roomId }, 'concurrency_conflict')
        }
        this.options.logger.debug({ room_id: roomId, attempt }, 'append conflict; retrying')
        // Jittered backoff, so writers racing on one room stop colliding in lockstep.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)))
      }
    }
  }

  /**
   * Decides the command on the cached room without reading the store first (the common case: this
   * process wrote the room's last event): the append's expected version fences a stale cache, and
   * the conflict drops it, so the next attempt goes through load(). A refusal or a no-op on the
   * cached room may only mean the cache is behind, so those are decided again on the stored room.
   */
  private async decideOnLatest(roomId: string, command: RoomCommand, ifMatch?: number[]): Promise<{ loaded: CachedRoom; facts: RoomFact[]; snapshot: RoomSnapshot; now: Date }> {
    const cached = this.cache.get(roomId)
    // A cached room at another version than If-Match names may only be behind: look at the store.
    if (cached && (!ifMatch || ifMatch.includes(cached.version))) {
      const now = this.options.clock()
      try {
        const decided = decideAndFold(cached.snapshot, command, now)
        if (decided.facts.length > 0) return { loaded: cached, ...decided, now }
      } catch (error) {
        if (!(error instanceof CommandRefused)) throw error
      }
    }
    const loaded = await this.loadCached(roomId)
    if (ifMatch && !ifMatch.includes(loaded.version)) {
      const tags = ifMatch.map((v) => `"${v}"`).join(', ')
      throw new PreconditionFailedError(`Room ${roomId} is at version ${loaded.version}, not ${tags} (If-Match); nothing was done`, { room_id: roomId, current_version: loaded.version, if_match: ifMatch }, `"${loaded.version}"`)
    }
    const now = this.options.clock()
    return { loaded, ...decideAndFold(loaded.snapshot, command, now), now }
  }

  private async commit(roomId: string, loaded: CachedRoom, facts: RoomFact[], snapshot: RoomSnapshot, now: Date, metadata: EventMetadata, record?: IdempotencyRecord): Promise<CommandResult> {
    if (facts.length === 0) {
      // Nothing to append, but the key still answers its retries with this answer.
      if (record) await insertIdempotencyRecord(this.options.db, record)
      return { snapshot: loaded.snapshot, version: loaded.version, facts, events: [] }
    }
    const timers = dueTimers(snapshot)
    const ctx = snapshot.context
    const version = loaded.version + facts.length
    const persisted = persistSnapshot(snapshot)
    const periodic = Math.floor(loaded.version / this.snapshotEvery) !== Math.floor(version / this.snapshotEvery)
    // One statement, shared with other rooms' commands: see GroupCommitter and writeRoomBatch.
    const events = await this.committer.write({
      roomId,
      streamId: roomStream(roomId),
      expectedVersion: loaded.version,
      events: facts.map((f) => eventOf(f, metadata)),
      status: {
        room_id: roomId,
        owner_id: ctx.owner_id,
        session_id: ctx.session_id,
        title: ctx.title,
        state: roomState(snapshot),
        current_sequence: ctx.phases[ctx.index]?.sequence ?? null,
        deadline: ctx.deadline ? new Date(ctx.deadline) : null,
        version,
        // The plan never changes after room_opened, and is most of the snapshot: a row that has it keeps it.
        snapshot: loaded.rowHasPlan ? withoutPlan(persisted) : persisted,
        opened_at: new Date(ctx.opened_at ?? now),
        updated_at: now,
      },
      timers,
      snapshot: periodic ? { version, snapshot: persisted, at: new Date(facts[facts.length - 1]!.at) } : undefined,
      idempotency: record,
    })
    const room = this.remember(roomId, { snapshot, version, rowHasPlan: true })
    this.emit('appended', { roomId, events, snapshot, version, timers })
    return { snapshot: room.snapshot, version: room.version, facts, events }
  }

  private remember(roomId: string, room: CachedRoom): CachedRoom {
    this.cache.set(roomId, room)
    if (room.version > 0 && this.owners.get(roomId) === undefined) this.owners.set(roomId, room.snapshot.context.owner_id)
    return room
  }
}

/**
 * A room's commands in this process, run one at a time: `tail` is the last one's promise. The
 * entry stays while the room is idle (up to cacheSize rooms, then the idle ones go together)
 * rather than come and go with each command: see LruMap on why.
 */
interface RoomQueue {
  tail: Promise<unknown>
  pending: number
}

const IDLE: Promise<unknown> = Promise.resolve()

/** The outcome as it will be once written: the events' positions follow the expected version. */
function pendingOutcome(loaded: LoadedRoom, facts: RoomFact[], snapshot: RoomSnapshot): CommandOutcome {
  const events = facts.map((fact, i) => ({ type: fact.type, stream_position: loaded.version + i + 1, data: dataOf(fact) }))
  return { snapshot, version: loaded.version + facts.length, facts, events }
}

/** A stored answer, if it was stored for this same request; a key reused for another is a 422. */
function replayable(stored: StoredAnswer & { fingerprint: string }, key: { key: string; fingerprint: string }): StoredAnswer {
  if (stored.fingerprint === key.fingerprint) return { status: stored.status, body: stored.body }
  const message = `was used within the last ${IDEMPOTENCY_TTL_HOURS} h for another request (method, path or body differ); use a new key for a new request`
  throw new UnprocessableError(`Idempotency-Key ${key.key} ${message}`, [{ path: 'headers.idempotency-key', message }], 'idempotency_key_reused')
}

/** A persisted snapshot without the plan (`context.phases`): the status row it is written to keeps its own (see writeRoomBatch). */
function withoutPlan(persisted: ReturnType<typeof persistSnapshot>): ReturnType<typeof persistSnapshot> {
  return { ...persisted, context: { ...(persisted.context as RoomSnapshot['context']), phases: undefined } }
}
