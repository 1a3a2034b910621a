/** One stretch of speech, cut out of a peer's audio. */
export interface Utterance {
  /** When the speech began, on the clock of the frames' `atMs`. */
  start_ms: number
  /** From the first voiced frame to the end of the last one. */
  duration_ms: number
  /** The speech, with `preRollMs` of audio before it and up to `postRollMs` after it. */
  samples: Int16Array
  sample_rate: number
}

export type SegmentEvent =
  | { type: 'speech_started'; at_ms: number }
  | { type: 'speech_stopped'; at_ms: number }
  | { type: 'utterance'; utterance: Utterance }

export interface SegmenterOptions {
  sampleRate: number
  /** Voiced audio needed before it counts as speech (a cough or a click does not). */
  minSpeechMs: number
  /** Silence that ends an utterance. */
  endSilenceMs: number
  /** Audio kept from before the speech began (the detector notices a word after it starts). */
  preRollMs: number
  /** Audio kept after the last voiced frame. */
  postRollMs: number
  /** Longer speech is cut into utterances of at most this length (the speaker is still talking). */
  maxUtteranceMs: number
}

export const DEFAULT_SEGMENTER: Omit<SegmenterOptions, 'sampleRate'> = {
  minSpeechMs: 200,
  endSilenceMs: 600,
  preRollMs: 200,
  postRollMs: 100,
  maxUtteranceMs: 30_000,
}

interface Frame {
  at: number
  samples: Int16Array
}

/**
 * Turns per-frame voice decisions into speech_started / speech_stopped and utterances, with
 * hangover both ways. Pure: no clock and no I/O; time is the `atMs` given with each frame.
 */
export class UtteranceSegmenter {
  private readonly options: SegmenterOptions
  private phase: 'silence' | 'candidate' | 'speech' = 'silence'
  /** Recent frames while silent; the current utterance's frames (with its pre-roll) otherwise. */
  private frames: Frame[] = []
  private speechStart = 0
  private lastVoicedEnd = 0
  private voicedMs = 0
  private silenceMs = 0

  constructor(options: Partial<SegmenterOptions> & { sampleRate: number }) {
    this.options = { ...DEFAULT_SEGMENTER, ...options }
  }

  get speaking(): boolean {
    return this.phase === 'speech'
  }

  /** One frame of audio, whether it was voiced, and when it began. */
  push(samples: Int16Array, voiced: boolean, atMs: number): SegmentEvent[] {
    const ms = (samples.length * 1000) / this.options.sampleRate
    const end = atMs + ms
    this.frames.push({ at: atMs, samples })
    if (voiced) {
      if (this.phase === 'silence') this.begin(atMs)
      this.voicedMs += ms
      this.silenceMs = 0
      this.lastVoicedEnd = end
    } else if (this.phase !== 'silence') {
      this.silenceMs += ms
    }
    switch (this.phase) {
      case 'silence':
        this.trimPreRoll(end)
        return []
      case 'candidate':
        if (this.voicedMs >= this.options.minSpeechMs) {
          this.phase = 'speech'
          return [{ type: 'speech_started', at_ms: this.speechStart }]
        }
        if (this.silenceMs >= Math.min(this.options.endSilenceMs, this.options.minSpeechMs)) this.phase = 'silence'
        return []
      case 'speech':
        if (this.silenceMs >= this.options.endSilenceMs) return this.stop()
        if (end - this.speechStart >= this.options.maxUtteranceMs) return [this.cut(end)]
        return []
    }
  }

  /** The stream ended (or jumped): an utterance under way ends where its speech last was. */
  flush(): SegmentEvent[] {
    const events = this.phase === 'speech' ? this.stop() : []
    this.phase = 'silence'
    this.frames = []
    return events
  }

  private begin(atMs: number): void {
    this.phase = 'candidate'
    this.speechStart = atMs
    this.voicedMs = 0
  }

  private stop(): SegmentEvent[] {
    const end = this.lastVoicedEnd
    const utterance = this.cut(Math.min(end + this.options.postRollMs, this.lastFrameEnd()))
    this.phase = 'silence'
    this.trimPreRoll(this.lastFrameEnd())
    return [{ type: 'speech_stopped', at_ms: end }, { type: 'utterance', utterance: { ...utterance.utterance, duration_ms: end - utterance.utterance.start_ms } }]
  }

  /** Emits the frames up to `until` as an utterance; what follows starts the next one. */
  private cut(until: number): Extract<SegmentEvent, { type: 'utterance' }> {
    const taken = this.frames.filter((f) => f.at < until)
    this.frames = this.frames.filter((f) => f.at >= until)
    const start = this.speechStart
    const length = taken.reduce((sum, f) => sum + f.samples.length, 0)
    const samples = new Int16Array(length)
    let offset = 0
    for (const f of taken) {
      samples.set(f.samples, offset)
      offset += f.samples.length
    }
    this.speechStart = until
    return { type: 'utterance', utterance: { start_ms: start, duration_ms: until - start, samples, sample_rate: this.options.sampleRate } }
  }

  private lastFrameEnd(): number {
    const last = this.frames[this.frames.length - 1]
    return last ? last.at + (last.samples.length * 1000) / this.options.sampleRate : this.lastVoicedEnd
  }

  /** While silent, keeps only the frames that may serve as the next utterance's pre-roll. */
  private trimPreRoll(end: number): void {
    while (this.frames.length > 0 && this.frames[0]!.at < end - this.options.preRollMs - 1e-6) {
      const first = this.frames[0]!
      if (first.at + (first.samples.length * 1000) / this.options.sampleRate > end - this.options.preRollMs) break
      this.frames.shift()
    }
  }
}
