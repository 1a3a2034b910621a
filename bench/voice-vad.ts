/**
 * The bot's ears, measured (a part of bench:voice; also runs alone: `npx tsx bench/voice-vad.ts`).
 *
 * 1. Segmentation: sentences spoken by espeak-ng, laid out with known silences between them (and
 *    again over a steady noise floor), go through Opus → Hearing; utterances found / expected
 *    and the boundary errors in ms against the known sentence starts and ends.
 * 2. CPU: BENCH_VOICE_PEERS (default 50) Hearing instances each take the same 20 ms Opus packets;
 *    CPU ms per peer-second of audio, for the whole Hearing and for decoding alone (alternating
 *    rounds, so the ratio holds on a shared machine), and the peers one core could hear.
 */
import { spawnSync } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import OpusScript from 'opusscript'
import { Hearing } from '../src/rtc/audio-in/hearing'
import { OpusDecoder } from '../src/rtc/audio-in/opus-decoder'
import { parseWav, resample } from '../src/rtc/audio-out/speech'
import { encodeFrames } from '../src/rtc/audio-out/voice'
import { fmt, round, summarize } from './lib-stats'
import { envNumber, printResult } from './support'

const RATE = 48_000
const SENTENCES = [
  'I would start by clarifying the requirements.',
  'Who are the users, and how many requests per second do we expect?',
  'Then I would design the data model.',
  'Orders reference customers, and each order has several line items.',
  'For reads I would add a cache in front of the database.',
  'Writes go through a queue, so a slow consumer never blocks the user.',
  'Finally, I would measure before optimizing anything.',
  'That is my design.',
]
const GAPS_MS = [800, 1_200, 1_500, 900, 2_000, 1_000, 1_300, 1_500]

interface Layout {
  samples: Int16Array
  spans: Array<{ start: number; end: number }>
}

function espeak(text: string): Int16Array | null {
  const run = spawnSync('espeak-ng', ['--stdout', '-v', 'en-us', '-s', '170', '--', text], { maxBuffer: 64 * 1024 * 1024 })
  if (run.status !== 0 || !run.stdout) return null
  const wav = parseWav(run.stdout)
  const samples = resample(wav.samples, wav.rate, RATE)
  let start = 0
  let end = samples.length
  while (start < end && Math.abs(samples[start]!) <= 200) start++
  while (end > start && Math.abs(samples[end - 1]!) <= 200) end--
  return samples.slice(start, end)
}

function layout(sentences: Int16Array[], noiseAmplitude: number): Layout {
  const lead = RATE
  const total = lead + sentences.reduce((sum, s, i) => sum + s.length + (GAPS_MS[i]! * RATE) / 1000, 0)
  const samples = new Int16Array(total)
  let seed = 11
  for (let i = 0; i < total; i++) {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff
    samples[i] = Math.round(((seed / 0x7fffffff) * 2 - 1) * noiseAmplitude)
  }
  const spans: Layout['spans'] = []
  let offset = lead
  sentences.forEach((s, i) => {
    for (let j = 0; j < s.length; j++) samples[offset + j] = Math.max(-32_768, Math.min(32_767, samples[offset + j]! + s[j]!))
    spans.push({ start: (offset * 1000) / RATE, end: ((offset + s.length) * 1000) / RATE })
    offset += s.length + (GAPS_MS[i]! * RATE) / 1000
  })
  return { samples, spans }
}

function packets(samples: Int16Array): Array<{ payload: Buffer; timestamp: number }> {
  const encoder = new OpusScript(RATE, 1, OpusScript.Application.VOIP)
  encoder.setBitrate(32_000)
  const frames = encodeFrames(encoder, samples).map((payload, i) => ({ payload, timestamp: (i * 960) >>> 0 }))
  encoder.delete()
  return frames
}

async function segmentation(name: string, signal: Layout): Promise<void> {
  const started: number[] = []
  const stopped: number[] = []
  const hearing = await Hearing.create({ onSpeechStarted: (at) => started.push(at), onSpeechStopped: (at) => stopped.push(at) })
  packets(signal.samples).forEach((p, i) => hearing.push(p, i * 20))
  hearing.close()
  // Each expected sentence is matched to the utterance that starts nearest to it.
  const startErrors: number[] = []
  const endErrors: number[] = []
  for (const span of signal.spans) {
    const i = started.findIndex((t) => Math.abs(t - span.start) < 500)
    if (i < 0) continue
    startErrors.push(started[i]! - span.start)
    endErrors.push(stopped[i]! - span.end)
  }
  const abs = (values: number[]) => summarize(values.map(Math.abs))
  const s = abs(startErrors)
  const e = abs(endErrors)
  console.log(
    `${name}: utterances found ${started.length} / expected ${signal.spans.length} (matched ${startErrors.length}); ` +
      `start error |p50| ${fmt(s.p50)} ms, max ${fmt(s.max)} ms (signed mean ${fmt(mean(startErrors))}); ` +
      `end error |p50| ${fmt(e.p50)} ms, max ${fmt(e.max)} ms (signed mean ${fmt(mean(endErrors))})`,
  )
  printResult({ figure: `voice VAD ${name}: utterances found / expected`, value: started.length, unit: 'utterances', baseline: signal.spans.length, ratio: round(started.length / signal.spans.length), target: 1, met: started.length === signal.spans.length && startErrors.length === signal.spans.length })
  printResult({ figure: `voice VAD ${name}: start boundary error p50`, value: round(s.p50, 1), unit: 'ms', baseline: null, ratio: null, target: null, met: null })
  printResult({ figure: `voice VAD ${name}: end boundary error p50`, value: round(e.p50, 1), unit: 'ms', baseline: null, ratio: null, target: null, met: null })
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)

/** CPU ms spent per second of one peer's audio, feeding every peer the whole stream. */
async function cpuPerPeerSecond(peers: number, stream: Array<{ payload: Buffer; timestamp: number }>, decodeOnly: boolean): Promise<number> {
  const audioSeconds = (stream.length * 20) / 1000
  if (decodeOnly) {
    const decoders = Array.from({ length: peers }, () => new OpusDecoder(16_000))
    const before = process.cpuUsage()
    for (const p of stream) for (const d of decoders) d.decode(p.payload)
    const used = process.cpuUsage(before)
    decoders.forEach((d) => d.close())
    return (used.user + used.system) / 1000 / (peers * audioSeconds)
  }
  const hearings = await Promise.all(Array.from({ length: peers }, () => Hearing.create({})))
  const before = process.cpuUsage()
  stream.forEach((p, i) => {
    for (const h of hearings) h.push(p, i * 20)
  })
  const used = process.cpuUsage(before)
  hearings.forEach((h) => h.close())
  return (used.user + used.system) / 1000 / (peers * audioSeconds)
}

export async function voiceVadBench(): Promise<void> {
  const spoken = SENTENCES.map(espeak)
  if (spoken.some((s) => s === null)) {
    console.log('voice VAD: espeak-ng is not installed; segmentation skipped')
  } else {
    await segmentation('clean', layout(spoken as Int16Array[], 0))
    await segmentation('noise floor', layout(spoken as Int16Array[], 400))
  }
  const peers = Math.round(envNumber('BENCH_VOICE_PEERS', 50))
  const source = spoken.every((s) => s !== null) ? layout(spoken as Int16Array[], 100).samples : new Int16Array(RATE * 20)
  const stream = packets(source)
  const hearing: number[] = []
  const decoding: number[] = []
  for (let round = 0; round < 3; round++) {
    hearing.push(await cpuPerPeerSecond(peers, stream, false))
    decoding.push(await cpuPerPeerSecond(peers, stream, true))
  }
  const h = Math.min(...hearing)
  const d = Math.min(...decoding)
  console.log(
    `hearing CPU: ${fmt(h, 2)} ms per peer-second of audio (decoding alone ${fmt(d, 2)} ms; ${peers} peers, ${fmt((stream.length * 20) / 1000, 1)} s each, best of 3 alternating rounds): ` +
      `${fmt(h / 10, 2)} % of one core per peer, ${fmt(1000 / h)} peers heard per core`,
  )
  printResult({ figure: 'voice hearing CPU per peer-second (vs Opus decode alone)', value: round(h, 3), unit: 'ms', baseline: round(d, 3), ratio: round(h / d, 2), target: null, met: null })
  printResult({ figure: 'voice peers heard per core (target ≥ 50)', value: Math.floor(1000 / h), unit: 'peers', baseline: null, ratio: null, target: 50, met: 1000 / h >= 50 })
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await voiceVadBench()
