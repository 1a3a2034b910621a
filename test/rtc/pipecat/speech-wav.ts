import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { readWav } from '../../support/transcription-server'

export interface SpokenPart {
  text: string
  /** Where the sentence sits in the file. */
  startMs: number
  durationMs: number
}

/**
 * A WAV for Chromium's fake microphone: each sentence spoken by espeak-ng, with `silenceMs` of
 * digital silence before each and after the last. Returns where each sentence is.
 */
export async function speechWav(dir: string, sentences: string[], silenceMs: number): Promise<{ file: string; parts: SpokenPart[]; durationMs: number }> {
  const pieces: Int16Array[] = []
  const parts: SpokenPart[] = []
  let rate = 0
  let length = 0
  for (const [i, text] of sentences.entries()) {
    const file = join(dir, `sentence-${i}.wav`)
    await promisify(execFile)('espeak-ng', ['-v', 'en-us', '-s', '160', '-w', file, text])
    const wav = readWav(readFileSync(file))
    rate = wav.sampleRate
    const silence = new Int16Array(Math.round((silenceMs / 1000) * rate))
    pieces.push(silence, wav.samples)
    parts.push({ text, startMs: ((length + silence.length) / rate) * 1000, durationMs: (wav.samples.length / rate) * 1000 })
    length += silence.length + wav.samples.length
  }
  const tail = new Int16Array(Math.round((silenceMs / 1000) * rate))
  pieces.push(tail)
  length += tail.length
  const file = join(dir, 'speech.wav')
  writeFileSync(file, wavBytes(pieces, rate))
  return { file, parts, durationMs: (length / rate) * 1000 }
}

/** 16-bit mono PCM as a WAV file. */
export function wavBytes(pieces: Int16Array[], sampleRate: number): Buffer {
  const samples = pieces.reduce((n, p) => n + p.length, 0)
  const out = Buffer.alloc(44 + samples * 2)
  out.write('RIFF', 0, 'ascii')
  out.writeUInt32LE(36 + samples * 2, 4)
  out.write('WAVEfmt ', 8, 'ascii')
  out.writeUInt32LE(16, 16)
  out.writeUInt16LE(1, 20)
  out.writeUInt16LE(1, 22)
  out.writeUInt32LE(sampleRate, 24)
  out.writeUInt32LE(sampleRate * 2, 28)
  out.writeUInt16LE(2, 32)
  out.writeUInt16LE(16, 34)
  out.write('data', 36, 'ascii')
  out.writeUInt32LE(samples * 2, 40)
  let offset = 44
  for (const piece of pieces) for (const s of piece) offset = out.writeInt16LE(s, offset)
  return out
}
