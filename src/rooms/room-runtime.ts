import { EventEmitter } from 'node:events'
import type { Db } from '../db/database'
import type { Clock } from '../clock'
import type { Logger } from '../logger'
import { ConcurrencyError, readStream, type EventMetadata, type StoredEvent } from '../event-store'
import { ConflictError } from '../http/errors'
import {
  CommandRefused,
  decide,
  dueTimers,
  foldFacts,
  initialRoomSnapshot,
  persistSnapshot,
  restorableSnapshot,
  roomState,
  type DueTimer,
  type RoomCommand,
  type RoomFact,
  type RoomSnapshot,
} from '../../machines/interview-room'
import { applyStored, eventOf, roomStream } from './room-facts.schema'
import { findRoomStatus } from './room.repository'
import { GroupCommitter } from './group-commit'

export interface LoadedRoom {
  snapshot: RoomSnapshot
  version: number
}

export interface CommandResult extends LoadedRoom {
  facts: RoomFact[]
  events: StoredEvent[]
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
  private readonly cache = new Map<string, LoadedRoom>()
  /** A room's owner never changes: once known, never read again (bounded like the cache). */
  private readonly owners = new Map<string, string>()
  private readonly queues = new Map<string, Promise<unknown>>()
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
    this.leaseGraceMs = options.leaseGraceMs ?? 2_000
    this.committer = new GroupCommitter({ db: options.db, logger: options.logger, node: options.node, leaseGraceMs: this.leaseGraceMs, writers: options.writers })
  }

  get node(): string {
    return this.options.node
  }

  /** Commands to one room run one at a time in this process; other processes are fenced by the store. */
  execute(roomId: string, command: RoomCommand, metadata: EventMetadata = {}): Promise<CommandResult> {
    const previous = this.queues.get(roomId) ?? Promise.resolve()
    const started = performance.now()
    const run = previous.catch(() => undefined).then(() => this.executeWithRetry(roomId, command, metadata))
    this.queues.set(roomId, run)
    run.then(
      (result) => this.executed(roomId, command, started, true, result),
      () => this.executed(roomId, command, started, false),
    )
    void run.finally(() => {
      if (this.queues.get(roomId) === run) this.queues.delete(roomId)
    }).catch(() => undefined)
    return run
  }

  /** The room as of now: the cached snapshot brought up to date with the events appended since. */
  async load(roomId: string): Promise<LoadedRoom> {
    const { db } = this.options
    let base = this.cache.get(roomId)
    if (!base) {
      const row = await findRoomStatus(db, roomId)
      // A snapshot another machine version made is not restored: the room is rebuilt from its facts.
      const restored = row && restorableSnapshot(row.snapshot)
      base = row && restored ? { snapshot: restored, version: row.version } : { snapshot: initialRoomSnapshot(), version: 0 }
    }
    const newer = await readStream(db, roomStream(roomId), { fromVersion: base.version + 1 })
    if (newer.length === 0) return this.remember(roomId, base)
    let snapshot = base.snapshot
    for (const event of newer) snapshot = applyStored(snapshot, event).snapshot
    return this.remember(roomId, { snapshot, version: newer[newer.length - 1]!.stream_position })
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

  private async executeWithRetry(roomId: string, command: RoomCommand, metadata: EventMetadata): Promise<CommandResult> {
    // Bounded by time, not by count: a process with a queue of commands for the same room wins
    // round after round, and a fixed number of tries would starve the other writer.
    const giveUpAt = Date.now() + this.retryForMs
    for (let attempt = 0; ; attempt++) {
      const { loaded, facts, now } = await this.decideOnLatest(roomId, command)
      if (facts.length === 0) return { ...loaded, facts, events: [] }
      try {
        return await this.commit(roomId, loaded, facts, now, { ...metadata, node: this.options.node })
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error
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
  private async decideOnLatest(roomId: string, command: RoomCommand): Promise<{ loaded: LoadedRoom; facts: RoomFact[]; now: Date }> {
    const cached = this.cache.get(roomId)
    if (cached) {
      const now = this.options.clock()
      try {
        const facts = decide(cached.snapshot, command, now)
        if (facts.length > 0) return { loaded: cached, facts, now }
      } catch (error) {
        if (!(error instanceof CommandRefused)) throw error
      }
    }
    const loaded = await this.load(roomId)
    const now = this.options.clock()
    return { loaded, facts: decide(loaded.snapshot, command, now), now }
  }

  private async commit(roomId: string, loaded: LoadedRoom, facts: RoomFact[], now: Date, metadata: EventMetadata): Promise<CommandResult> {
    const snapshot = foldFacts(facts, loaded.snapshot)
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
        snapshot: persisted,
        opened_at: new Date(ctx.opened_at ?? now),
        updated_at: now,
      },
      timers,
      snapshot: periodic ? { version, snapshot: persisted, at: new Date(facts[facts.length - 1]!.at) } : undefined,
    })
    const room = this.remember(roomId, { snapshot, version })
    this.emit('appended', { roomId, events, snapshot, version, timers })
    return { ...room, facts, events }
  }

  private remember(roomId: string, room: LoadedRoom): LoadedRoom {
    this.cache.delete(roomId)
    this.cache.set(roomId, room)
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!)
    if (room.version > 0 && !this.owners.has(roomId)) {
      this.owners.set(roomId, room.snapshot.context.owner_id)
      if (this.owners.size > this.cacheSize) this.owners.delete(this.owners.keys().next().value!)
    }
    return room
  }
}
