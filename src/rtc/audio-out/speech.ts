import { spawn } from 'node:child_process'

/** Mono 16-bit PCM at 48 kHz: what the Opus encoder takes. */
export interface Pcm48k {
  samples: Int16Array
}

/** Turns the bot's words into sound. espeak-ng is one engine; another can be plugged in here. */
export interface SpeechSynthesizer {
  readonly name: string
  synthesize(text: string): Promise<Pcm48k>
}

const SAMPLE_RATE = 48_000

/** Runs `espeak-ng --stdout`, reads its WAV and resamples it to 48 kHz. */
export class EspeakSynthesizer implements SpeechSynthesizer {
  readonly name = 'espeak-ng'

  constructor(
    private readonly options: { voice: string; rate: number; binary?: string },
  ) {}

  async synthesize(text: string): Promise<Pcm48k> {
    const wav = await run(this.options.binary ?? 'espeak-ng', ['--stdout', '-v', this.options.voice, '-s', String(this.options.rate), '--', text])
    const { rate, samples } = parseWav(wav)
    return { samples: resample(samples, rate, SAMPLE_RATE) }
  }
}

/** Whether an espeak-ng binary answers on this machine. */
export async function espeakAvailable(binary = 'espeak-ng'): Promise<boolean> {
  try {
    await run(binary, ['--version'])
    return true
  } catch {
    return false
  }
}

function run(binary: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', reject)
    child.once('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${binary} exited with ${code}: ${stderr.trim()}`))))
  })
}

/**
 * The 16-bit mono samples of a WAV file. espeak-ng writes to a pipe, so its header's sizes are
 * placeholders: the data chunk runs to the end of the file.
 */
export function parseWav(wav: Buffer): { rate: number; samples: Int16Array } {
  if (wav.length < 12 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file')
  let offset = 12
  let rate = 0
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4)
    const size = wav.readUInt32LE(offset + 4)
    const body = offset + 8
    if (id === 'fmt ') {
      const channels = wav.readUInt16LE(body + 2)
      const bits = wav.readUInt16LE(body + 14)
      if (channels !== 1 || bits !== 16) throw new Error(`unsupported WAV: ${channels} channels, ${bits} bits`)
      rate = wav.readUInt32LE(body + 4)
    } else if (id === 'data') {
      if (!rate) throw new Error('WAV data before its format')
      const end = Math.min(wav.length, body + size) & ~1
      const samples = new Int16Array(Math.max(0, (end - body) / 2))
      for (let i = 0; i < samples.length; i++) samples[i] = wav.readInt16LE(body + i * 2)
      return { rate, samples }
    }
    offset = body + size + (size & 1)
  }
  throw new Error('WAV without data')
}

/** Linear-interpolation resampling: plenty for synthetic speech. */
export function resample(input: Int16Array, from: number, to: number): Int16Array {
  if (from === to || input.length === 0) return input
  const output = new Int16Array(Math.floor((input.length * to) / from))
  const step = from / to
  for (let i = 0; i < output.length; i++) {
    const position = i * step
    const index = Math.floor(position)
    const next = input[Math.min(index + 1, input.length - 1)]!
    output[i] = Math.round(input[index]! + (next - input[index]!) * (position - index))
  }
  return output
}
