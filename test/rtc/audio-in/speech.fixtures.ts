import OpusScript from 'opusscript'
import { EspeakSynthesizer, espeakAvailable } from '../../../src/rtc/audio-out/speech'
import { encodeFrames } from '../../../src/rtc/audio-out/voice'

export const RATE = 48_000

/** Where speech really is in a generated signal, in ms from its start. */
export interface Span {
  start_ms: number
  end_ms: number
}

export interface Signal {
  samples: Int16Array
  spans: Span[]
}

export const SENTENCES = [
  'I would start by clarifying the requirements.',
  'Then I would design the data model and the interfaces between the services.',
  'Finally, I would add caching where reads dominate.',
]

export const hasEspeak = (): Promise<boolean> => espeakAvailable()

const ms = (samples: number) => (samples * 1000) / RATE
const count = (milliseconds: number) => Math.round((milliseconds * RATE) / 1000)

export const silence = (milliseconds: number): Int16Array => new Int16Array(count(milliseconds))

/** A vowel-like tone: a 150 Hz fundamental with formant-ish harmonics. */
export function tone(milliseconds: number, amplitude = 6_000, hz = 150): Int16Array {
  const out = new Int16Array(count(milliseconds))
  for (let i = 0; i < out.length; i++) {
    const t = i / RATE
    out[i] = Math.round(amplitude * (0.6 * Math.sin(2 * Math.PI * hz * t) + 0.3 * Math.sin(2 * Math.PI * 5 * hz * t) + 0.1 * Math.sin(2 * Math.PI * 15 * hz * t)))
  }
  return out
}

/** White noise from a seeded generator, so every run hears the same noise. */
export function noise(milliseconds: number, amplitude: number, seed = 7): Int16Array {
  const out = new Int16Array(count(milliseconds))
  let state = seed
  for (let i = 0; i < out.length; i++) {
    state = (state * 1_103_515_245 + 12_345) & 0x7fffffff
    out[i] = Math.round(((state / 0x7fffffff) * 2 - 1) * amplitude)
  }
  return out
}

/** Pieces laid end to end; the spans are those of the pieces marked as speech. */
export function compose(pieces: Array<{ samples: Int16Array; speech?: boolean }>): Signal {
  const total = pieces.reduce((sum, p) => sum + p.samples.length, 0)
  const samples = new Int16Array(total)
  const spans: Span[] = []
  let offset = 0
  for (const piece of pieces) {
    samples.set(piece.samples, offset)
    if (piece.speech) spans.push({ start_ms: ms(offset), end_ms: ms(offset + piece.samples.length) })
    offset += piece.samples.length
  }
  return { samples, spans }
}

/** A sentence spoken by espeak-ng at 48 kHz, its leading and trailing silence cut off. */
export async function spoken(text: string): Promise<Int16Array> {
  const { samples } = await new EspeakSynthesizer({ voice: 'en-us', rate: 170 }).synthesize(text)
  const loud = (i: number) => Math.abs(samples[i]!) > 200
  let start = 0
  while (start < samples.length && !loud(start)) start++
  let end = samples.length
  while (end > start && !loud(end - 1)) end--
  return samples.slice(start, end)
}

/** The sentences, each followed by `gapMs` of silence, after `leadMs` of it. */
export async function speech(sentences = SENTENCES, gapMs = 1_500, leadMs = 1_000): Promise<Signal> {
  const pieces: Array<{ samples: Int16Array; speech?: boolean }> = [{ samples: silence(leadMs) }]
  for (const text of sentences) pieces.push({ samples: await spoken(text), speech: true }, { samples: silence(gapMs) })
  return compose(pieces)
}

/** The signal as 20 ms Opus packets with their RTP timestamps, as a browser would send them. */
export function opusPackets(samples: Int16Array, firstTimestamp = 1_000): Array<{ payload: Buffer; timestamp: number }> {
  const encoder = new OpusScript(RATE, 1, OpusScript.Application.VOIP)
  try {
    return encodeFrames(encoder, samples).map((payload, i) => ({ payload, timestamp: (firstTimestamp + i * 960) >>> 0 }))
  } finally {
    encoder.delete()
  }
}
