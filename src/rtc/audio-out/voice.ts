import OpusScript from 'opusscript'
import type { Logger } from '../../logger'
import type { SpeechSynthesizer } from './speech'

/** 20 ms at 48 kHz. */
export const FRAME_SAMPLES = 960

/**
 * The bot's voice for the whole process: text → speech → 20 ms Opus frames. Utterances are
 * cached (every peer hears the same phase announcements) and synthesized a few at a time.
 */
export class Voice {
  private readonly encoder = new OpusScript(48_000, 1, OpusScript.Application.VOIP)
  private readonly cache = new Map<string, Promise<Buffer[]>>()
  private running = 0
  private readonly waiting: Array<() => void> = []

  constructor(
    private readonly synthesizer: SpeechSynthesizer,
    private readonly logger: Logger,
    private readonly options: { cacheSize?: number; concurrency?: number } = {},
  ) {
    this.encoder.setBitrate(32_000)
  }

  get engine(): string {
    return this.synthesizer.name
  }

  /** The utterance as Opus frames; [] when synthesis fails (the text still reaches the peer). */
  frames(text: string): Promise<Buffer[]> {
    const cached = this.cache.get(text)
    if (cached) {
      this.cache.delete(text)
      this.cache.set(text, cached)
      return cached
    }
    const made = this.limited(() => this.synthesizer.synthesize(text)).then(
      (pcm) => encodeFrames(this.encoder, pcm.samples),
      (err: unknown) => {
        this.logger.warn({ err }, 'speech synthesis failed; the turn is sent as text only')
        this.cache.delete(text)
        return []
      },
    )
    this.cache.set(text, made)
    if (this.cache.size > (this.options.cacheSize ?? 200)) this.cache.delete(this.cache.keys().next().value!)
    return made
  }

  close(): void {
    this.encoder.delete()
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= (this.options.concurrency ?? 2)) await new Promise<void>((resolve) => this.waiting.push(resolve))
    this.running++
    try {
      return await work()
    } finally {
      this.running--
      this.waiting.shift()?.()
    }
  }
}

/** Cuts PCM into 20 ms frames (the last padded with silence) and encodes each. */
export function encodeFrames(encoder: OpusScript, samples: Int16Array): Buffer[] {
  const frames: Buffer[] = []
  const pcm = Buffer.alloc(FRAME_SAMPLES * 2)
  for (let start = 0; start < samples.length; start += FRAME_SAMPLES) {
    pcm.fill(0)
    const end = Math.min(start + FRAME_SAMPLES, samples.length)
    for (let i = start; i < end; i++) pcm.writeInt16LE(samples[i]!, (i - start) * 2)
    // The encoder returns a view of its own memory: copy before the next call reuses it.
    frames.push(Buffer.from(encoder.encode(pcm, FRAME_SAMPLES)))
  }
  return frames
}
