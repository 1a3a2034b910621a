import { EventEmitter } from 'node:events'
import type { Db } from '../db/database'
import type { Clock } from '../clock'
import type { Logger } from '../logger'
import { appendToStream, ConcurrencyError, readStream, type EventMetadata, type StoredEvent } from '../event-store'
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
import { findRoomStatus, insertRoomSnapshot, replaceRoomTimers, upsertRoomStatus } from './room.repository'

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
}

/**
 * Runs room commands: load (cache + events since), decide, append at the expected version with
 * the inline projection and timers in one transaction, retry on conflict. Any process may serve
 * any room; the stream's unique position is the only fence, the cache only a cache.
 */
export class RoomRuntime extends EventEmitter<{ appended: [AppendedEvent] }> {
  /** Counters read by /metrics. */
  readonly stats = { conflicts: 0, exhausted: 0 }
  private readonly cache = new Map<string, LoadedRoom>()
  private readonly queues = new Map<string, Promise<unknown>>()
  private readonly snapshotEvery: number
  private readonly retryForMs: number
  private readonly cacheSize: number
  readonly leaseGraceMs: number

  constructor(private readonly options: RoomRuntimeOptions) {
    super()
    this.snapshotEvery = options.snapshotEvery ?? 100
    this.retryForMs = options.retryForMs ?? 5_000
    this.cacheSize = options.cacheSize ?? 10_000
    this.leaseGraceMs = options.leaseGraceMs ?? 2_000
  }

  get node(): string {
    return this.options.node
  }

  /** Commands to one room run one at a time in this process; other processes are fenced by the store. */
  execute(roomId: string, command: RoomCommand, metadata: EventMetadata = {}): Promise<CommandResult> {
    const previous = this.queues.get(roomId) ?? Promise.resolve()
    const run = previous.catch(() => undefined).then(() => this.executeWithRetry(roomId, command, metadata))
    this.queues.set(roomId, run)
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
    const { db, node } = this.options
    const appended = await db.transaction().execute(async (tx) => {
      const result = await appendToStream(tx, roomStream(roomId), loaded.version, facts.map((f) => eventOf(f, metadata)))
      await upsertRoomStatus(tx, {
        room_id: roomId,
        owner_id: ctx.owner_id,
        session_id: ctx.session_id,
        title: ctx.title,
        state: roomState(snapshot),
        current_sequence: ctx.phases[ctx.index]?.sequence ?? null,
        deadline: ctx.deadline ? new Date(ctx.deadline) : null,
        version: result.nextVersion,
        snapshot: persistSnapshot(snapshot),
        opened_at: new Date(ctx.opened_at ?? now),
        updated_at: now,
      })
      await replaceRoomTimers(tx, roomId, timers, node, this.leaseGraceMs)
      if (Math.floor(loaded.version / this.snapshotEvery) !== Math.floor(result.nextVersion / this.snapshotEvery)) {
        await insertRoomSnapshot(tx, { room_id: roomId, version: result.nextVersion, snapshot: persistSnapshot(snapshot), at: new Date(facts[facts.length - 1]!.at) })
      }
      return result
    })
    const room = this.remember(roomId, { snapshot, version: appended.nextVersion })
    this.emit('appended', { roomId, events: appended.events, snapshot, version: appended.nextVersion, timers })
    return { ...room, facts, events: appended.events }
  }

  private remember(roomId: string, room: LoadedRoom): LoadedRoom {
    this.cache.delete(roomId)
    this.cache.set(roomId, room)
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!)
    return room
  }
}
