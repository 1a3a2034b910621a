import { EventEmitter } from 'node:events'
import pg from 'pg'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../db/database'
import type { Logger } from '../logger'

export const CHANNEL = 'mi_events'

/** NOTIFYs `channel` with `payload` (a writer's node name, as writeRoomBatch's statement sends it, or empty). */
export async function notify(db: Kysely<Database>, channel: string, payload: string): Promise<void> {
  await sql`select pg_notify(${channel}, ${payload}::text)`.execute(db)
}

/**
 * Wake-ups for log readers: hints, never the data. Always in process; across processes by
 * LISTEN/NOTIFY on real PostgreSQL (one listening connection per process, reconnecting by itself).
 */
export class EventNotifier extends EventEmitter<{ wake: []; message: [channel: string, payload: string]; listening: [] }> {
  private listener?: pg.Client
  private notifyPending = false
  private closed = false
  private reconnectDelayMs = 250
  private readonly channel: string
  listening = false

  /**
   * `channels`: more channels to LISTEN on over the same connection; their notifications are emitted as `message`.
   * `node`: this process's name; a NOTIFY on the events channel with it as payload came from this
   * process's own write (see writeRoomBatch), whose events it delivered itself, so it wakes nobody.
   * `channel`: the events channel, {@link CHANNEL} unless a test wants one of its own.
   */
  constructor(private readonly options: { url?: string; db?: Kysely<Database>; logger: Logger; channels?: string[]; node?: string; channel?: string }) {
    super()
    this.setMaxListeners(100)
    this.channel = options.channel ?? CHANNEL
  }

  /** Starts listening (real PostgreSQL only); resolves once the first LISTEN is in place or has failed. */
  async start(): Promise<void> {
    if (this.options.url) await this.connect()
  }

  /**
   * Called after a commit that appended events, or that ended a transaction which may have hidden
   * others' events from readers: wake local readers now, and other processes soon.
   */
  appended(): void {
    this.emit('wake')
    const { db, url } = this.options
    if (!db || !url || this.notifyPending) return
    // Coalesce a burst of commits into one NOTIFY; it is sent after the commits, outside them.
    this.notifyPending = true
    setImmediate(() => {
      this.notifyPending = false
      notify(db, this.channel, '').catch((err) => this.options.logger.debug({ err }, 'notify failed'))
    })
  }

  async close(): Promise<void> {
    this.closed = true
    const client = this.listener
    this.listener = undefined
    this.listening = false
    await client?.end().catch(() => undefined)
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, application_name: 'mock-interview-api listener' })
    client.on('notification', (msg) => {
      if (msg.channel !== this.channel) this.emit('message', msg.channel, msg.payload ?? '')
      else if (!this.options.node || msg.payload !== this.options.node) this.emit('wake')
    })
    client.on('error', (err) => {
      this.options.logger.warn({ err }, 'event listener connection failed; reconnecting')
      this.reconnect(client)
    })
    client.on('end', () => this.reconnect(client))
    try {
      await client.connect()
      for (const channel of [this.channel, ...(this.options.channels ?? [])]) await client.query(`listen ${channel}`)
      if (this.closed) return void (await client.end())
      this.listener = client
      this.listening = true
      this.reconnectDelayMs = 250
      // Anything appended while we were not listening is found by reading again; what other
      // channels announced meanwhile was missed (`listening` tells their users).
      this.emit('listening')
      this.emit('wake')
    } catch (err) {
      this.options.logger.warn({ err }, 'could not LISTEN for events; retrying')
      this.reconnect(client)
    }
  }

  private reconnect(client: pg.Client): void {
    if (this.closed || (this.listener && this.listener !== client)) return
    if (this.listener === client) this.listener = undefined
    this.listening = false
    client.removeAllListeners('end')
    client.end().catch(() => undefined)
    const delay = this.reconnectDelayMs
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, 5_000)
    setTimeout(() => void this.connect(), delay).unref()
  }
}
