/**
 * The interview bot over WebRTC, on loopback: how long from an offer to a connected peer and to
 * the bot's first message, and how many peers one server process holds at once with the
 * candidates' audio flowing in (each recorded to WebM) — with the server's CPU and memory per
 * peer. The clients are werift peers in a child process, so the figures are the server's alone.
 *
 *   BENCH_DATABASE_URL / TEST_DATABASE_URL  PostgreSQL server to use (a scratch database is made on it); unset: embedded PGlite
 *   BENCH_RTC_PEERS     peers held at once (default 60)
 *   BENCH_RTC_SAMPLES   of those, how many join one at a time for the latency figures (default 20)
 *   BENCH_DURATION      seconds the peers are held with audio flowing (default 10)
 */
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { sql } from 'kysely'
import { rtcBenchConfig } from './lib-rtc-service'
import { startService, type RunningService } from '../src/service'
import type { FromClients, ToClients } from './rtc-clients'
import { benchUser, call } from './lib-api'
import { gc } from './lib-memory'
import { benchDatabaseUrl, createScratchDatabase, envNumber, printResult, redactUrl } from './support'

const PEERS = Math.round(envNumber('BENCH_RTC_PEERS', 60))
const SAMPLES = Math.min(PEERS, Math.round(envNumber('BENCH_RTC_SAMPLES', 20)))
const HOLD_S = envNumber('BENCH_DURATION', 10)
const TARGET_PEERS = 50


const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits

async function seed(service: RunningService): Promise<{ token: string; rooms: string[] }> {
  const tag = Date.now().toString(36)
  const token = await benchUser(service.url, 'rtc-bench', tag)
  const rooms = Array.from({ length: PEERS }, (_, i) => `rtc-bench-${tag}-${i}`)
  const phases = [{ sequence: 1, question_id: 'q1', question_type: 'coding', question_text: 'Reverse a linked list', duration_minutes: 30, instructions: 'Ask about complexity' }]
  for (const room_id of rooms) await call(service.url, 'POST', '/api/start-interview', { room_id, title: 'Bench interview', phases }, token)
  return { token, rooms }
}

function clientsProcess() {
  const child = fork(join(import.meta.dirname, 'rtc-clients.ts'), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const ask = <T extends FromClients['type']>(message: ToClients, answer: T) =>
    new Promise<Extract<FromClients, { type: T }>>((resolve, reject) => {
      child.once('message', (reply: FromClients) => (reply.type === answer ? resolve(reply as Extract<FromClients, { type: T }>) : reject(new Error(`unexpected ${reply.type}`))))
      child.once('exit', (code) => reject(new Error(`the client process exited (${code})`)))
      child.send(message)
    })
  return { child, ask }
}

async function main(): Promise<void> {
  const baseUrl = benchDatabaseUrl()
  const scratch = baseUrl ? await createScratchDatabase(baseUrl) : undefined
  console.log(`database: ${scratch ? `PostgreSQL at ${redactUrl(baseUrl!)} (scratch database)` : 'embedded PGlite, in memory'}`)
  console.log(`peers: ${PEERS} (the first ${SAMPLES} one at a time for latency), held ${HOLD_S} s with 20 ms Opus frames flowing in`)
  const recordings = mkdtempSync(join(tmpdir(), 'rtc-bench-'))
  const config = rtcBenchConfig(PEERS, recordings, scratch?.url)
  const service = await startService(config)
  const clients = clientsProcess()
  try {
    const { token, rooms } = await seed(service)
    // A real collection before each memory reading, so the per-peer figure is not garbage-collector noise.
    gc()
    const before = process.memoryUsage()

    const latency = await clients.ask({ type: 'join', url: service.url, token, rooms: rooms.slice(0, SAMPLES), parallel: 1 }, 'joined')
    const rest = await clients.ask({ type: 'join', url: service.url, token, rooms: rooms.slice(SAMPLES), parallel: 10 }, 'joined')
    const joinedCount = latency.connectedMs.length + rest.connectedMs.length
    console.log(`joined ${joinedCount} of ${PEERS} (${latency.failed + rest.failed} failed); holding ${HOLD_S} s …`)

    const lag = monitorEventLoopDelay({ resolution: 10 })
    lag.enable()
    const packetsBefore = new Map(service.rtc.audioIn().map((p) => [p.pc_id, p.packets]))
    const framesBefore = (await clients.ask({ type: 'count' }, 'count')).frames
    const cpu = process.cpuUsage()
    const started = performance.now()
    await new Promise((resolve) => setTimeout(resolve, HOLD_S * 1_000))
    const used = process.cpuUsage(cpu)
    const seconds = (performance.now() - started) / 1_000
    lag.disable()
    const sent = (await clients.ask({ type: 'count' }, 'count')).frames - framesBefore
    const peersNow = service.rtc.audioIn()
    gc()
    const after = process.memoryUsage()
    const connected = peersNow.filter((p) => p.connected).length
    // A peer's audio flowed if the server received nearly every frame its client sent during the hold.
    const flowing = peersNow.filter((p) => p.connected && p.packets - (packetsBefore.get(p.pc_id) ?? 0) >= sent * 0.95).length

    await clients.ask({ type: 'leave' }, 'left')
    let recorded = 0
    for (let i = 0; i < 100 && recorded < joinedCount; i++, await new Promise((resolve) => setTimeout(resolve, 100))) {
      recorded = Number((await sql<{ n: string }>`select count(*) as n from events where type = 'recording_saved'`.execute(service.database.db)).rows[0]!.n)
    }

    const cpuPercent = ((used.user + used.system) / 1e6 / seconds) * 100
    const rssPerPeer = (after.rss - before.rss) / 1_048_576 / Math.max(1, connected)
    const heapPerPeer = (after.heapUsed - before.heapUsed) / 1_048_576 / Math.max(1, connected)
    const connectP50 = percentile(latency.connectedMs, 50)
    const botP50 = percentile(latency.firstBotMs, 50)
    console.log(`\noffer → connected:          p50 ${round(connectP50)} ms, p95 ${round(percentile(latency.connectedMs, 95))} ms (${latency.connectedMs.length} joins one at a time)`)
    console.log(`offer → first bot message:  p50 ${round(botP50)} ms, p95 ${round(percentile(latency.firstBotMs, 95))} ms`)
    console.log(`held: ${connected} connected, ${flowing} receiving ≥ 95% of the ${sent} frames each client sent in the hold (${round(sent / seconds)} frames/s); ${recorded} recordings saved on leaving`)
    console.log(`server CPU: ${round(cpuPercent)} % of one core in all, ${round(cpuPercent / Math.max(1, connected), 2)} % per peer`)
    console.log(`server memory: ${round(rssPerPeer, 2)} MB RSS and ${round(heapPerPeer, 2)} MB heap per peer; event-loop delay p99 ${round(lag.percentile(99) / 1e6)} ms`)
    const figure = (name: string, value: number, unit: string, target: number | null = null, met: boolean | null = null) =>
      printResult({ figure: `rtc: ${name}`, value: round(value, 2), unit, baseline: null, ratio: null, target, met })
    figure('offer → connected p50', connectP50, 'ms')
    figure('offer → first bot message p50', botP50, 'ms')
    figure('concurrent peers with audio flowing', Math.min(connected, flowing), 'peers', TARGET_PEERS, Math.min(connected, flowing) >= TARGET_PEERS)
    figure('server CPU per peer', cpuPercent / Math.max(1, connected), '% core')
    figure('server RSS per peer', rssPerPeer, 'MB')
  } finally {
    clients.child.kill()
    await service.close()
    await scratch?.drop()
    rmSync(recordings, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
