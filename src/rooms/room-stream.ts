import type { Db } from '../db/database'
import type { Logger } from '../logger'
import { readStream, type StoredEvent } from '../event-store'
import type { ServerResponse } from 'node:http'
import { SseStream } from '../http/sse'
import { RateLimitedError } from '../http/errors'
import { roomStream, schemaVersionOf } from './room-facts.schema'
import { upcast } from './fact-versions'

/** Who holds a stream open: the user, and the login session whose logout must close it. */
export interface StreamHolder {
  userId: string
  session: string
}

/**
 * The SSE payload of a room event: the fact's fields plus the names the original API used. A fact
 * stored by an older schema version is sent in today's shape (as history and replays read it);
 * one this code cannot read (newer code's, during a rolling deploy) is sent as stored.
 */
export function ssePayload(roomId: string, event: Pick<StoredEvent, 'stream_position' | 'type' | 'data' | 'metadata'>): Record<string, unknown> {
  const data = currentShape(event)
  return { room_id: roomId, version: event.stream_position, timestamp: data.at, ...data }
}

// upcast runs only the steps after the stored version: a current (or newer) payload comes back as it is.
function currentShape(event: Pick<StoredEvent, 'type' | 'data' | 'metadata'>): Record<string, unknown> {
  try {
    return upcast(event.type, schemaVersionOf(event), event.data) as Record<string, unknown>
  } catch {
    return event.data as Record<string, unknown>
  }
}

/**
 * One client's view of a room stream: delivers each stream position exactly once, in order.
 * Live events that arrive while it is still sending the backlog wait in `pending`; a gap (a live
 * event beyond the next position) is filled from the store.
 */
export class RoomStreamClient {
  private pending: StoredEvent[] = []
  private ready = false
  private filling?: Promise<void>
  private lastSent = -1

  constructor(
    readonly roomId: string,
    readonly stream: SseStream,
    private readonly db: Db,
    private readonly logger: Logger,
    readonly holder: StreamHolder,
  ) {}

  /**
   * Sends the backlog after `after` up to `through`, then whatever arrived live meanwhile.
   * Until then, live events are only collected (the client joins the hub before reading the room).
   */
  async start(after: number, through: number): Promise<void> {
    this.lastSent = after
    await this.catchUp(through)
    this.ready = true
    this.flush()
  }

  deliver(event: StoredEvent): void {
    if (this.ready && event.stream_position <= this.lastSent) return
    this.pending.push(event)
    if (this.ready) this.flush()
  }

  private flush(): void {
    if (this.filling || this.stream.closed) return
    this.pending.sort((a, b) => a.stream_position - b.stream_position)
    while (this.pending.length > 0) {
      const next = this.pending[0]!
      if (next.stream_position <= this.lastSent) {
        this.pending.shift()
        continue
      }
      if (next.stream_position > this.lastSent + 1) {
        this.filling = this.catchUp(next.stream_position - 1)
          .catch((err) => {
            this.logger.warn({ err, room_id: this.roomId }, 'could not fill an SSE gap; closing the stream')
            this.stream.end(1_000)
          })
          .finally(() => {
            this.filling = undefined
            this.flush()
          })
        return
      }
      this.pending.shift()
      this.send(next)
    }
  }

  private async catchUp(through: number): Promise<void> {
    while (this.lastSent < through && !this.stream.closed) {
      const page = await readStream(this.db, roomStream(this.roomId), { fromVersion: this.lastSent + 1, toVersion: through, limit: 500 })
      if (page.length === 0) return
      for (const event of page) {
        this.send(event)
        // The backlog comes from the store, not a buffer: keep pace with the socket.
        await this.stream.drained()
      }
    }
  }

  private send(event: StoredEvent): void {
    if (event.stream_position <= this.lastSent) return
    this.lastSent = event.stream_position
    this.stream.send({ id: event.stream_position, event: event.type, data: ssePayload(this.roomId, event) })
  }
}

/** Fans the process's one log subscription out to the SSE clients of each room. */
export class RoomStreamHub {
  private readonly rooms = new Map<string, Set<RoomStreamClient>>()
  private heartbeat?: NodeJS.Timeout

  constructor(private readonly heartbeatMs: number) {}

  get clientCount(): number {
    let n = 0
    for (const set of this.rooms.values()) n += set.size
    return n
  }

  start(): void {
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs)
    this.heartbeat.unref()
  }

  /** Streams this user holds open here. */
  streamsOf(userId: string): number {
    let n = 0
    for (const set of this.rooms.values()) for (const client of set) if (client.holder.userId === userId) n++
    return n
  }

  /** The login sessions that hold streams open here. */
  sessions(): Set<string> {
    const out = new Set<string>()
    for (const set of this.rooms.values()) for (const client of set) out.add(client.holder.session)
    return out
  }

  /** Ends the streams of sessions that logged out; their tokens no longer open one. */
  closeSessions(sessions: Iterable<string>): number {
    const ended = new Set(sessions)
    let n = 0
    for (const set of [...this.rooms.values()]) {
      for (const client of [...set]) {
        if (!ended.has(client.holder.session)) continue
        client.stream.end()
        this.remove(client)
        n++
      }
    }
    return n
  }

  add(client: RoomStreamClient): void {
    let set = this.rooms.get(client.roomId)
    if (!set) this.rooms.set(client.roomId, (set = new Set()))
    set.add(client)
  }

  remove(client: RoomStreamClient): void {
    const set = this.rooms.get(client.roomId)
    set?.delete(client)
    if (set?.size === 0) this.rooms.delete(client.roomId)
  }

  /** The subscription's batch handler. */
  publish(events: StoredEvent[]): void {
    for (const event of events) {
      if (!event.stream_id.startsWith('room-')) continue
      const clients = this.rooms.get(event.stream_id.slice(5))
      if (clients) for (const client of clients) client.deliver(event)
    }
  }

  /** Ends every stream with a retry hint, so clients reconnect (to this or another process). */
  closeAll(retryMs: number): void {
    if (this.heartbeat) clearInterval(this.heartbeat)
    for (const set of this.rooms.values()) for (const client of set) client.stream.end(retryMs)
    this.rooms.clear()
  }

  private beat(): void {
    const timestamp = new Date().toISOString()
    for (const [roomId, clients] of this.rooms) {
      const chunk = `event: heartbeat\ndata: ${JSON.stringify({ timestamp, room_id: roomId })}\n\n`
      for (const client of clients) client.stream.write(chunk)
    }
  }
}

export interface OpenStreamOptions {
  db: Db
  hub: RoomStreamHub
  logger: Logger
  retryMs: number
  maxBufferBytes: number
  /** Streams one user may hold open on this process. */
  maxStreamsPerUser: number
}

/**
 * Serves one SSE connection: joins the hub first (so nothing committed from now on is missed),
 * reads the room's status, sends `connected`, the events after Last-Event-ID, then live events.
 */
export async function serveRoomStream(
  options: OpenStreamOptions,
  res: ServerResponse,
  roomId: string,
  holder: StreamHolder,
  lastEventId: number | undefined,
  readStatus: () => Promise<{ version: number } & Record<string, unknown>>,
): Promise<void> {
  // Counted and joined in one step (no await between), so parallel opens cannot slip past the cap.
  if (options.hub.streamsOf(holder.userId) >= options.maxStreamsPerUser) {
    throw new RateLimitedError(Math.ceil(options.retryMs / 1000), `At most ${options.maxStreamsPerUser} event streams may be open at once; close one first`)
  }
  const stream = new SseStream(res, options.maxBufferBytes, () => options.hub.remove(client))
  const client = new RoomStreamClient(roomId, stream, options.db, options.logger, holder)
  options.hub.add(client)
  let status
  try {
    status = await readStatus()
  } catch (error) {
    options.hub.remove(client)
    throw error
  }
  stream.open(options.retryMs)
  const resuming = lastEventId !== undefined
  const version = status.version
  stream.send({
    // A resuming client keeps its Last-Event-ID until the backlog after it has arrived.
    id: resuming ? undefined : version,
    event: 'connected',
    data: { room_id: roomId, timestamp: new Date().toISOString(), version, status },
  })
  try {
    await client.start(resuming ? lastEventId : version, version)
  } catch (err) {
    options.logger.warn({ err, room_id: roomId }, 'could not send the SSE backlog; closing the stream')
    stream.end(options.retryMs)
  }
}
