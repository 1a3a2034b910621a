import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { sql } from 'kysely'
import type pg from 'pg'
import type { Db } from '../db/database'
import type { RoomRuntime } from '../rooms/room-runtime'
import type { TimerScheduler } from '../rooms/timer-scheduler'
import type { RoomStreamHub } from '../rooms/room-stream'
import type { LogSubscription } from '../event-store/subscription'
import { collectProcessMetrics } from './process-metrics'

export interface MetricSources {
  db: Db
  pool: pg.Pool
  runtime: RoomRuntime
  timers: TimerScheduler
  hub: RoomStreamHub
  subscription: LogSubscription
}

/** Extra gauges other features register (WebRTC peers, say) without this file knowing them. */
export type GaugeSource = { name: string; help: string; read: () => number }

/** Bounds (seconds) of the latency histograms: HTTP requests, room commands, group-commit statements. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/**
 * The service's Prometheus metrics, one registry per service. Components keep plain counters
 * and emit events; this module only reads them, so nothing else depends on prom-client.
 */
export function createMetrics(sources: MetricSources) {
  const registry = new Registry()
  collectProcessMetrics(registry)
  const { runtime, timers, hub, subscription, pool, db } = sources

  const httpRequests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by route template and status', labelNames: ['method', 'route', 'status'], registers: [registry] })
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route template',
    labelNames: ['method', 'route'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  })
  const appended = new Counter({ name: 'events_appended_total', help: 'Events appended, by type', labelNames: ['type'], registers: [registry] })
  const lateness = new Histogram({
    name: 'timer_lateness_seconds',
    help: 'How late fired timers were (due → fact decided)',
    labelNames: ['kind'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 5, 30],
    registers: [registry],
  })
  runtime.on('appended', ({ events }) => {
    for (const event of events) {
      appended.inc({ type: event.type })
      const cause = event.metadata.causation
      const late = (event.data as { late_ms?: number }).late_ms
      if (typeof cause === 'string' && cause.startsWith('timer:') && typeof late === 'number') lateness.observe({ kind: cause.slice(6) }, late / 1000)
    }
  })

  const commandDuration = new Histogram({
    name: 'room_command_duration_seconds',
    help: 'Room commands (and fired timers) from the call to the answer, after their commit',
    labelNames: ['command', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  })
  const dueToCommit = new Histogram({
    name: 'timer_due_to_commit_seconds',
    help: 'Fired timers from their deadline to the commit of their fact (what clients see, beyond late_ms)',
    labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.5, 1, 5, 30],
    registers: [registry],
  })
  runtime.on('executed', ({ command, seconds, ok, dueToCommitSeconds }) => {
    commandDuration.observe({ command: command.type, outcome: ok ? 'ok' : 'error' }, seconds)
    if (dueToCommitSeconds !== undefined && command.type === 'timerDue') dueToCommit.observe({ kind: command.kind }, Math.max(0, dueToCommitSeconds))
  })

  // The database's share of a command's latency: a slow statement and a busy process look alike in the two above.
  const statementDuration = new Histogram({
    name: 'group_commit_statement_seconds',
    help: 'Group-commit statements that committed, from building to the result (as this process saw it: a wait for a connection or for the event loop counts)',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  })
  runtime.committer.on('written', ({ seconds }) => statementDuration.observe(seconds))

  const counter = (name: string, help: string, read: () => number) =>
    new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(read()) } })
  const gauge = (name: string, help: string, read: () => number | Promise<number>) =>
    new Gauge({ name, help, registers: [registry], async collect() { this.set(await read()) } })

  counter('append_conflicts_total', 'Appends refused because the stream moved (each is retried)', () => runtime.stats.conflicts)
  counter('append_retries_exhausted_total', 'Commands that gave up after the bounded retries (409)', () => runtime.stats.exhausted)
  counter('group_commit_batches_total', 'Statements the group commit wrote', () => runtime.committer.stats.batches)
  counter('group_commit_writes_total', 'Commands written by those statements (writes / batches = mean batch size)', () => runtime.committer.stats.writes)
  counter('timers_armed_total', 'In-process timers armed', () => timers.stats.armed)
  counter('timers_fired_total', 'Timers fired', () => timers.stats.fired)
  counter('timers_stale_total', 'Timers fired after their room had moved on (no fact)', () => timers.stats.stale)
  counter('timers_burst_collections_total', 'Young-generation collections run in the quiet before a burst of deadlines', () => timers.stats.collections)
  gauge('timers_armed', 'In-process timers armed now', () => timers.armedCount)
  gauge('timers_waiting', 'Timers due and waiting for a firing slot (deadlines that fell together)', () => timers.waitingCount)
  gauge('sse_clients', 'Open SSE streams on this process', () => hub.clientCount)
  gauge('db_pool_total', 'Database connections open', () => pool.totalCount)
  gauge('db_pool_idle', 'Database connections idle', () => pool.idleCount)
  gauge('db_pool_waiting', 'Queries waiting for a connection', () => pool.waitingCount)

  const lag = new Gauge({ name: 'subscription_lag', help: 'How far the log subscription is behind the head', labelNames: ['unit'], registers: [registry] })
  const checkpoints = new Gauge({ name: 'projection_checkpoint_position', help: 'Global position of each projection checkpoint', labelNames: ['projection'], registers: [registry] })

  /** Reads the database-backed gauges; a scrape while the database is down leaves them as they were. */
  async function refresh(): Promise<void> {
    const cp = subscription.checkpoint
    const behind = await sql<{ events: number; oldest: Date | null }>`
      select count(*)::int as events, min(recorded_at) as oldest from (
        select recorded_at from events where (transaction_id, global_position) > (${cp.transaction_id}::xid8, ${cp.global_position}::bigint) limit 100000) e`.execute(db)
    const row = behind.rows[0]
    lag.set({ unit: 'events' }, row?.events ?? 0)
    lag.set({ unit: 'seconds' }, row?.oldest ? Math.max(0, (Date.now() - row.oldest.getTime()) / 1000) : 0)
    const rows = await db.selectFrom('projection_checkpoints').select(['name', 'global_position']).execute()
    for (const r of rows) checkpoints.set({ projection: r.name }, r.global_position)
  }

  return {
    registry,
    http: { requests: httpRequests, duration: httpDuration },
    addGauge: ({ name, help, read }: GaugeSource) => gauge(name, help, read),
    async render(): Promise<string> {
      await refresh().catch(() => undefined)
      return registry.metrics()
    },
  }
}

export type Metrics = ReturnType<typeof createMetrics>
