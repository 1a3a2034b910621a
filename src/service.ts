import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import type { Config } from '../config'
import { createApp } from './app'
import { openDatabase, type DatabaseHandle } from './db/connection'
import { migrateToLatest, pendingMigrations } from './db/migrate'
import { createLogger, type Logger } from './logger'
import { systemClock, uuid, type Clock } from './clock'
import { createAuthService } from './auth/auth.service'
import { REVOKED_CHANNEL } from './auth/auth.repository'
import { RevocationCache } from './auth/revocations'
import { USERS_CHANNEL, UserCache } from './auth/user-cache'
import { createProductService } from './products/product.service'
import { createPlanService } from './plans/plan.service'
import { createRoomService } from './rooms/room.service'
import { RoomRuntime } from './rooms/room-runtime'
import { POSTGRES_WRITERS } from './rooms/group-commit'
import { TimerScheduler } from './rooms/timer-scheduler'
import { youngCollection } from './gc'
import { RoomStreamHub } from './rooms/room-stream'
import { createRtcService } from './rtc/rtc.setup'
import type { RtcService } from './rtc/rtc.service'
import { ProjectionWorker } from './rooms/projector'
import { CHANNEL as EVENTS_CHANNEL, EventNotifier } from './event-store/notifier'
import { LogSubscription, SETTLE_MS } from './event-store/subscription'
import type { StoredEvent } from './event-store'
import { projections } from '../projections'
import { createMetrics } from './metrics/metrics'
import { sql } from 'kysely'

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version

export interface RunningService {
  url: string
  server: Server
  database: DatabaseHandle
  logger: Logger
  runtime: RoomRuntime
  timers: TimerScheduler
  hub: RoomStreamHub
  subscription: LogSubscription
  projector: ProjectionWorker
  notifier: EventNotifier
  rtc: RtcService
  metrics: ReturnType<typeof createMetrics>
  close(): Promise<void>
}

export interface ServiceOptions {
  logger?: Logger
  clock?: Clock
  /** Use an already-open database (tests share one); it is not closed with the service. */
  database?: DatabaseHandle
}

/** The composition root: config → database → migrations → services → HTTP. */
export async function startService(config: Config, options: ServiceOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger(config)
  const clock = options.clock ?? systemClock
  const database = options.database ?? (await openDatabase(config, logger))
  const ownsDatabase = !options.database
  try {
    const applied = await migrateToLatest(database.db)
    if (applied.length) logger.info({ migrations: applied }, 'migrations applied')
  } catch (error) {
    if (ownsDatabase) await database.close()
    throw error
  }
  const db = database.db
  const node = `${hostname()}:${process.pid}:${randomBytes(2).toString('hex')}`
  // Group-commit statements in flight: see POSTGRES_WRITERS; the embedded database has one
  // connection, so one. The writes NOTIFY other processes themselves, at most once per
  // SUBSCRIPTION_READ_INTERVAL_MS: the readers there read no more often.
  const onPostgres = database.kind === 'postgres'
  const runtime = new RoomRuntime({ db, clock, logger, node, snapshotEvery: config.SNAPSHOT_EVERY, writers: onPostgres ? POSTGRES_WRITERS : 1, announce: onPostgres ? { channel: EVENTS_CHANNEL, everyMs: config.SUBSCRIPTION_READ_INTERVAL_MS } : undefined })
  const timers = new TimerScheduler({ db, runtime, clock, logger, pollMs: config.TIMER_POLL_MS, collectYoung: youngCollection() })
  const plans = createPlanService({ db, clock, newId: uuid })

  // One log subscription per process feeds everything local: SSE fan-out and async projections.
  const notifier = new EventNotifier({ url: onPostgres ? database.url : undefined, db, logger, channels: [REVOKED_CHANNEL, USERS_CHANNEL], node })
  // Token revocations are checked in memory: pushed by NOTIFY, re-read every poll as the backstop.
  const revocations = new RevocationCache({ db, logger, pollMs: config.REVOCATION_POLL_MS })
  notifier.on('message', (channel, payload) => channel === REVOKED_CHANNEL && revocations.announced(payload))
  // So are the users tokens name: a changed or deleted user is announced by its row's trigger.
  const users = new UserCache({ db, maxAgeMs: config.USER_CACHE_MS })
  notifier.on('message', (channel, payload) => channel === USERS_CHANNEL && users.forget(payload))
  notifier.on('listening', () => users.forget())
  const subscription = new LogSubscription({ db, notifier, logger, pollMs: config.SUBSCRIPTION_POLL_MS, minIntervalMs: config.SUBSCRIPTION_READ_INTERVAL_MS })
  const hub = new RoomStreamHub(config.SSE_HEARTBEAT_MS)
  // A logged-out session's open streams end on every process as soon as this one learns of it.
  revocations.onRevoked((jti) => hub.closeSessions([jti]))
  const projector = new ProjectionWorker(db, Object.values(projections), logger, {
    // A pass's transactions hide events committed while they are open. Readers woken for such an
    // event keep looking for SETTLE_MS and find it after a shorter pass by themselves; after a
    // longer one, wake them. (Waking them after every pass had each reader here, and in every
    // other process, read the log over again some 40 times a second under load.)
    onCommitted: (ranMs) => {
      if (ranMs >= SETTLE_MS / 2) notifier.appended()
    },
    minIntervalMs: config.PROJECTION_INTERVAL_MS,
    // Commands first: during a burst of them or of deadlines, read models wait (a second at most).
    backlog: () => runtime.committer.backlogged || timers.busy,
  })
  const metrics = createMetrics({ db, pool: database.pool, runtime, timers, hub, subscription })
  const readiness = async () => ({
    database: await sql`select 1`.execute(db).then(() => true, () => false),
    migrations: await pendingMigrations(db).then((pending) => pending.length === 0, () => false),
    subscription: subscription.isRunning && subscription.lastError === undefined,
  })
  metrics.addGauge({ name: 'event_listener_up', help: '1 while the LISTEN connection for cross-process wake-ups is up (always 1 embedded)', read: () => Number(database.kind === 'embedded' || notifier.listening) })
  const rooms = createRoomService({ db, runtime, plans, clock, newId: uuid, warningFraction: config.TIMER_WARNING_FRACTION || null })
  const rtc = await createRtcService({ config, db, runtime, rooms, logger })
  // Streams, bots and projections hear of this process's own commits at once; the log brings the
  // rest (other processes' commits: this process's own NOTIFYs wake no reader here), and may bring
  // a local commit again later. Streams and bots take each position once, in order, filling a gap
  // from the store; projections keep their own checkpoint.
  const deliver = (events: StoredEvent[]) => {
    hub.publish(events)
    rtc.deliver(events)
    void projector.wake()
  }
  runtime.on('appended', ({ events }) => deliver(events))
  subscription.onBatch(deliver)
  const app = createApp({
    config,
    logger,
    db,
    databaseKind: database.kind,
    clock,
    version: VERSION,
    auth: createAuthService({ db, config, clock, newId: uuid, revocations, users }),
    products: createProductService({ db, clock, newId: uuid }),
    plans,
    rooms,
    hub,
    rtc,
    metrics,
    readiness,
  })
  await notifier.start()
  await revocations.start()
  await subscription.start()
  void projector.wake()
  hub.start()
  timers.start()
  const server = createServer(httpServerOptions(config), app.callback()).listen(config.PORT, config.HOST)
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST
  const url = `http://${host}:${port}`

  let closing: Promise<void> | undefined
  async function close(): Promise<void> {
    closing ??= (async () => {
      // Stop accepting first; then end the streams (with a retry hint) so the close is not held up by them.
      const stopped = stopServer(server, config.SHUTDOWN_TIMEOUT_MS)
      hub.closeAll(config.SSE_RETRY_MS)
      // Peers leave while the database is still there for their last facts.
      await Promise.all([stopped, rtc.closeAll()])
      await timers.stop()
      await subscription.stop()
      await projector.idle()
      revocations.stop()
      await notifier.close()
      if (ownsDatabase) await database.close()
    })()
    return closing
  }
  return { url, server, database, logger, runtime, timers, hub, subscription, projector, notifier, metrics, rtc, close }
}

/**
 * Node's defaults hold a slow-header connection about 90 s and a slow body 5 minutes. These limits
 * end once a request has been received, so a response streamed for hours (an event stream) is
 * exempt. Node checks them on an interval: it must be short for the limits to be kept closely.
 */
function httpServerOptions(config: Config) {
  return {
    headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(config.HTTP_HEADERS_TIMEOUT_MS / 4))),
  }
}

/** Stops accepting, lets in-flight requests finish, then cuts what is left at the deadline. */
function stopServer(server: Server, deadlineMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), deadlineMs)
    timer.unref()
    // A keep-alive connection goes idle when its last response is sent; without this it would hold the close until the deadline.
    const idle = setInterval(() => server.closeIdleConnections(), 50)
    idle.unref()
    server.close(() => {
      clearTimeout(timer)
      clearInterval(idle)
      resolve()
    })
    server.closeIdleConnections()
  })
}
