/**
 * The bot's ears, on loopback. Peers (werift, in a child process) whose microphones play a
 * spoken sentence and then 2 s of silence, over and over; the server decodes, detects speech,
 * cuts utterances, sends each to an OpenAI-protocol transcription server in this process that
 * answers at once (so the figures are ours), stores the transcript and answers it, spoken.
 *
 * 0. bench/voice-vad.ts: utterances found / expected and boundary errors on an espeak-made
 *    signal with known sentence boundaries, and the hearing's CPU per peer.
 * 1. Latency, one peer: from the end of an utterance (its last voiced frame sent) to the
 *    transcript fact on the peer's data channel, to the bot's next turn, and to the bot's next
 *    audio packet. These include the segmenter's end-of-speech silence (the wait that tells a
 *    pause from the end), printed beside them.
 * 2. Capacity: BENCH_VOICE_PEERS peers (default 60) held BENCH_DURATION s with audio both ways
 *    and the detector running; a peer counts when the server got ≥ 95 % of its frames, it was
 *    transcribed at least once and the bot's audio reached it. Target ≥ 50.
 *
 *   BENCH_DATABASE_URL / TEST_DATABASE_URL  PostgreSQL server (a scratch database); unset: PGlite
 *   BENCH_VOICE_PEERS      peers held at once (default 60)
 *   BENCH_VOICE_LATENCY_S  seconds of the one-peer latency part (default 60)
 *   BENCH_DURATION         seconds the peers are held (default 15)
 */
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { rtcBenchConfig } from './lib-rtc-service'
import { DEFAULT_SEGMENTER } from '../src/rtc/audio-in/segmenter'
import { espeakAvailable } from '../src/rtc/audio-out/speech'
import { startService, type RunningService } from '../src/service'
import { startTranscriptionServer } from '../test/support/transcription-server'
import { benchUser, call } from './lib-api'
import { fmt, round, sleep, summarize } from './lib-stats'
import { benchDatabaseUrl, createScratchDatabase, envNumber, printResult, redactUrl } from './support'
import { SENTENCE, type FromClients, type ToClients } from './voice-clients'
import { voiceVadBench } from './voice-vad'

const PEERS = Math.round(envNumber('BENCH_VOICE_PEERS', 60))
const LATENCY_S = envNumber('BENCH_VOICE_LATENCY_S', 60)
const HOLD_S = envNumber('BENCH_DURATION', 15)
const TARGET_PEERS = 50

async function seed(service: RunningService, count: number): Promise<{ token: string; rooms: string[] }> {
  const tag = Date.now().toString(36)
  const token = await benchUser(service.url, 'voice-bench', tag)
  const rooms = Array.from({ length: count }, (_, i) => `voice-bench-${tag}-${i}`)
  const phases = [{ sequence: 1, question_id: 'q1', question_type: 'coding', question_text: 'Design a rate limiter', duration_minutes: 60, instructions: 'Ask about trade-offs' }]
  for (const room_id of rooms) {
    await call(service.url, 'POST', '/api/start-interview', { room_id, title: 'Voice bench', phases }, token)
    await call(service.url, 'POST', `/api/interview/${room_id}/timer/start`, undefined, token)
  }
  return { token, rooms }
}

function clientsProcess() {
  const child = fork(join(import.meta.dirname, 'voice-clients.ts'), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const ask = <T extends FromClients['type']>(message: ToClients, answer: T) =>
    new Promise<Extract<FromClients, { type: T }>>((resolve, reject) => {
      child.once('message', (reply: FromClients) => (reply.type === answer ? resolve(reply as Extract<FromClients, { type: T }>) : reject(new Error(`unexpected ${reply.type}`))))
      child.once('exit', (code) => reject(new Error(`the client process exited (${code})`)))
      child.send(message)
    })
  return { child, ask }
}

const line = (name: string, values: number[]) => {
  const s = summarize(values)
  console.log(`${name.padEnd(34)} p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms, max ${fmt(s.max)} ms (${s.count} utterances)`)
  return s
}

async function main(): Promise<void> {
  if (!(await espeakAvailable())) throw new Error('espeak-ng is needed: it speaks the candidate’s sentence and the bot’s turns')
  // Segmentation against known sentence boundaries, and the hearing's CPU per peer (bench/voice-vad.ts).
  await voiceVadBench()
  const baseUrl = benchDatabaseUrl()
  const scratch = baseUrl ? await createScratchDatabase(baseUrl) : undefined
  console.log(`database: ${scratch ? `PostgreSQL at ${redactUrl(baseUrl!)} (scratch database)` : 'embedded PGlite, in memory'}`)
  console.log(`the candidate says "${SENTENCE}", then 2 s of silence, over and over`)
  const stt = await startTranscriptionServer(() => SENTENCE)
  const recordings = mkdtempSync(join(tmpdir(), 'voice-bench-'))
  const config = rtcBenchConfig(PEERS, recordings, scratch?.url, { STT_BASE_URL: stt.baseUrl })
  const service = await startService(config)
  const clients = clientsProcess()
  try {
    const { token, rooms } = await seed(service, PEERS)

    console.log(`\n1. one peer, ${LATENCY_S} s`)
    const first = await clients.ask({ type: 'join', url: service.url, token, rooms: rooms.slice(0, 1), parallel: 1 }, 'joined')
    if (first.failed) throw new Error('the first peer could not join')
    await sleep(LATENCY_S * 1_000)
    const quiet = await clients.ask({ type: 'measure' }, 'measure')
    const transcript = line('end of utterance → transcript fact', quiet.transcriptMs)
    const bot = line('end of utterance → bot turn', quiet.botMs)
    const audio = line('end of utterance → bot audio', quiet.audioMs)
    console.log(`(each figure includes the segmenter's ${DEFAULT_SEGMENTER.endSilenceMs} ms of end-of-speech silence, less the quiet tail of the spoken sentence; the bot's repeated turns come from the voice cache)`)

    console.log(`\n2. ${PEERS} peers, held ${HOLD_S} s`)
    const rest = await clients.ask({ type: 'join', url: service.url, token, rooms: rooms.slice(1), parallel: 10 }, 'joined')
    console.log(`joined ${PEERS - rest.failed} of ${PEERS}`)
    await sleep(3_000)
    await clients.ask({ type: 'measure' }, 'measure')
    const packetsBefore = new Map(service.rtc.audioIn().map((p) => [p.pc_id, p.packets]))
    const lag = monitorEventLoopDelay({ resolution: 10 })
    lag.enable()
    const cpu = process.cpuUsage()
    const started = performance.now()
    await sleep(HOLD_S * 1_000)
    const used = process.cpuUsage(cpu)
    const seconds = (performance.now() - started) / 1_000
    lag.disable()
    const loaded = await clients.ask({ type: 'measure' }, 'measure')
    const perPeer = loaded.framesSent / Math.max(1, loaded.botPackets.length)
    const receiving = service.rtc.audioIn().filter((p) => p.connected && p.packets - (packetsBefore.get(p.pc_id) ?? 0) >= perPeer * 0.95).length
    const heard = loaded.transcripts.filter((n) => n > 0).length
    const answered = loaded.botPackets.filter((n) => n > 0).length
    const both = Math.min(receiving, heard, answered)
    const cpuPercent = ((used.user + used.system) / 1e6 / seconds) * 100
    console.log(`${receiving} peers' audio received (≥ 95 % of frames), ${heard} transcribed at least once, ${answered} heard the bot's audio`)
    console.log(`server CPU ${round(cpuPercent, 1)} % of one core (${round(cpuPercent / PEERS, 2)} % per peer); event-loop delay p99 ${round(lag.percentile(99) / 1e6, 1)} ms`)
    const loadedTranscript = line('under load: → transcript fact', loaded.transcriptMs)
    line('under load: → bot audio', loaded.audioMs)
    console.log(`transcription requests: ${stt.requests.length}, refused ${stt.refused.length}`)

    const figure = (name: string, value: number, unit: string, target: number | null = null, met: boolean | null = null) =>
      printResult({ figure: `voice: ${name}`, value: round(value, 1), unit, baseline: null, ratio: null, target, met })
    figure('utterance end → transcript fact p50', transcript.p50, 'ms')
    figure('utterance end → transcript fact p99', transcript.p99, 'ms')
    figure('utterance end → bot turn p50', bot.p50, 'ms')
    figure('utterance end → bot audio p50', audio.p50, 'ms')
    figure('utterance end → bot audio p99', audio.p99, 'ms')
    figure(`${PEERS} peers: utterance end → transcript p99`, loadedTranscript.p99, 'ms')
    figure('peers with audio both ways and VAD running', both, 'peers', TARGET_PEERS, both >= TARGET_PEERS)
  } finally {
    await clients.ask({ type: 'leave' }, 'left').catch(() => undefined)
    clients.child.kill()
    await service.close()
    await stt.close()
    await scratch?.drop()
    // A recorder may still be finishing a file after its peer closed: remove them once nothing runs.
    process.once('beforeExit', () => rmSync(recordings, { recursive: true, force: true }))
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
