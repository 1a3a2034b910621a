import type { ClusterWatch } from './lib-sse-cluster'
import { ClientPool, epochNow, type Received } from './lib-sse-pool'
import { sleep, summarize, type Summary } from './lib-stats'

/** Something SSE clients follow and the bench sends events through: the service (one or two processes) or the bare server. */
export interface SseTarget {
  name: string
  /** Where the clients connect. */
  streamsUrl: string
  token?: string
  rooms: string[]
  /** The process whose memory per connection is reported (the one holding the streams). */
  rss(): number
  /** Makes one event carrying `marker` in `room`; resolves when the server acknowledged it (the reply's head arrived). */
  send(room: string, marker: number): Promise<void>
  /**
   * The read each stream makes when it opens (the room's status), `count` times, no stream held:
   * a control for the memory figure, since a database in the process may grow per query.
   */
  readStatus?(count: number): Promise<void>
  /** The streams' process's /metrics, scraped while every stream is open (a scrape's cost may grow with them). */
  metricsUrl?: string
  /**
   * Stops the server process(es); called before the clients close, so the server side closes
   * first and the clients' ports are not left in TIME_WAIT for the next run.
   */
  stop(): Promise<void>
}

export interface RunSettings {
  clients: number
  clientProcesses: number
  /** Streams each client process opens at once. */
  parallel: number
  /** Events per second, round-robin over the rooms. */
  rate: number
  warmupSeconds: number
  seconds: number
  /** Pause before each RSS reading, and after the last event for deliveries still on their way. */
  settleMs: number
}

export interface Measurement {
  /** Acknowledgement (commit) → client receive, ms. */
  fromAck: Summary
  /** Request sent → client receive, ms. */
  fromSend: Summary
  /** Command round trip, send → acknowledgement, ms. */
  command: Summary
  delivered: number
  expected: number
  deliveredPerSecond: number
  rssBefore: number
  rssAfter: number
  rssPerConnection: number
  /** RSS growth per control status read (when the target has them), bytes. */
  rssPerStatusRead?: number
  opened: number
  ended: number
  clientLoopDelayP99Ms: number
  /** The longest write transaction open in another database of the server while measuring (PostgreSQL only). */
  otherTransactionMaxMs?: number
  /** GET /metrics with every stream open, ms (targets with a metricsUrl). */
  scrapeMs?: Summary
  /** One bench event frame as the clients received it. */
  template?: string
  problems: string[]
}

interface Sent {
  room: string
  sentAt: number
  ackedAt: number
}

let nextMarker = 1

/** Sends `rate` events per second for `seconds` on a fixed schedule (not waiting for replies), and waits for the replies. */
async function drive(target: SseTarget, settings: RunSettings, seconds: number, sent: Map<number, Sent>, failures: unknown[]): Promise<void> {
  const count = Math.round(settings.rate * seconds)
  const interval = 1000 / settings.rate
  const started = performance.now()
  const inFlight: Promise<void>[] = []
  for (let k = 0; k < count; k++) {
    const wait = started + k * interval - performance.now()
    if (wait > 0) await sleep(wait)
    const marker = nextMarker++
    const room = target.rooms[k % target.rooms.length]!
    const record: Sent = { room, sentAt: epochNow(), ackedAt: Number.NaN }
    sent.set(marker, record)
    inFlight.push(target.send(room, marker).then(() => void (record.ackedAt = epochNow()), (error) => void failures.push(error)))
  }
  await Promise.all(inFlight)
}

/** RSS idle, then (for a target with them) after plain status reads: returns the baseline for the streams and the growth per read. */
async function idleMemory(target: SseTarget, settings: RunSettings): Promise<{ rssBefore: number; rssPerStatusRead?: number }> {
  await sleep(settings.settleMs)
  const rssIdle = target.rss()
  if (!target.readStatus) return { rssBefore: rssIdle }
  const reads = Math.min(settings.clients, 1_000)
  await target.readStatus(reads)
  await sleep(settings.settleMs)
  const rssBefore = target.rss()
  return { rssBefore, rssPerStatusRead: (rssBefore - rssIdle) / reads }
}

/** Latency of every delivery of every acknowledged event, and how many deliveries there should have been. */
function deliveries(sent: Map<number, Sent>, received: Received, assignment: string[]) {
  const perRoom = new Map<string, number>()
  for (const room of assignment) perRoom.set(room, (perRoom.get(room) ?? 0) + 1)
  let expected = 0
  for (const { room, ackedAt } of sent.values()) if (!Number.isNaN(ackedAt)) expected += perRoom.get(room) ?? 0
  const fromAck: number[] = []
  const fromSend: number[] = []
  for (const { marker, at } of received.samples) {
    const event = sent.get(marker)
    if (!event || Number.isNaN(event.ackedAt)) continue
    fromAck.push(at - event.ackedAt)
    fromSend.push(at - event.sentAt)
  }
  const command = [...sent.values()].map((s) => s.ackedAt - s.sentAt).filter((ms) => !Number.isNaN(ms))
  return { fromAck, fromSend, command, expected }
}

/**
 * One measured run against one target: RSS idle before and after `clients` streams opened
 * (client i follows room i mod rooms), a warm-up, then events at a steady rate, and the latency of
 * every delivery of every measured event.
 */
export async function measure(target: SseTarget, settings: RunSettings, log: (line: string) => void, watch?: ClusterWatch): Promise<Measurement> {
  const problems: string[] = []
  const pool = ClientPool.start(settings.clientProcesses)
  try {
    const { rssBefore, rssPerStatusRead } = await idleMemory(target, settings)
    const assignment = Array.from({ length: settings.clients }, (_, i) => target.rooms[i % target.rooms.length]!)
    const openStarted = performance.now()
    const { opened, failed, error } = await pool.open(target.streamsUrl, assignment, target.token, settings.parallel)
    if (failed > 0) problems.push(`${failed} of ${settings.clients} streams did not open; first: ${error}`)
    log(`  ${target.name}: ${opened} streams open in ${((performance.now() - openStarted) / 1000).toFixed(1)} s`)
    await sleep(settings.settleMs)
    const rssAfter = target.rss()
    const scrapeMs = target.metricsUrl ? await timeScrapes(target.metricsUrl) : undefined
    if (scrapeMs) log(`  ${target.name}: GET /metrics with ${opened} streams open: p50 ${scrapeMs.p50.toFixed(1)} ms, max ${scrapeMs.max.toFixed(1)} ms (${scrapeMs.count} scrapes)`)

    const failures: unknown[] = []
    await drive(target, settings, settings.warmupSeconds, new Map(), failures)
    await sleep(settings.settleMs)
    const warm = await pool.collect()
    log(`  ${target.name}: warmed up (${warm.samples.length} deliveries); measuring ${settings.seconds} s at ${settings.rate} events/s …`)
    const sent = new Map<number, Sent>()
    watch?.start()
    await drive(target, settings, settings.seconds, sent, failures)
    const otherTransactionMaxMs = await watch?.stop()
    await sleep(settings.settleMs)
    const received = await pool.collect()

    const { fromAck, fromSend, command, expected } = deliveries(sent, received, assignment)
    if (failures.length > 0) problems.push(`${failures.length} events could not be sent; first: ${String(failures[0])}`)
    if (fromAck.length < expected) problems.push(`${expected - fromAck.length} of ${expected} deliveries missing ${settings.settleMs} ms after the last event`)
    if (fromAck.length > expected) problems.push(`${fromAck.length - expected} deliveries more than expected (duplicates)`)
    if (received.ended > 0) problems.push(`${received.ended} streams ended during the run`)
    return {
      fromAck: summarize(fromAck),
      fromSend: summarize(fromSend),
      command: summarize(command),
      delivered: fromAck.length,
      expected,
      deliveredPerSecond: fromAck.length / settings.seconds,
      rssBefore,
      rssAfter,
      rssPerConnection: opened > 0 ? (rssAfter - rssBefore) / opened : Number.NaN,
      rssPerStatusRead,
      opened,
      ended: received.ended,
      clientLoopDelayP99Ms: received.loopDelayP99Ms,
      otherTransactionMaxMs,
      scrapeMs,
      template: warm.template ?? received.template,
      problems,
    }
  } finally {
    await target.stop()
    await pool.close()
  }
}

/** Wall time of a few scrapes in a row: what a Prometheus scrape holds the process's main thread for, plus the loopback round trip. */
async function timeScrapes(url: string, count = 7): Promise<Summary> {
  const times: number[] = []
  for (let i = 0; i < count; i++) {
    const started = performance.now()
    const response = await fetch(url)
    await response.text()
    if (!response.ok) throw new Error(`GET /metrics: ${response.status}`)
    times.push(performance.now() - started)
  }
  return summarize(times)
}
