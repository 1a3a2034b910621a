import type { Logger } from '../logger'

/** One stretch of the candidate's speech, as the hearing cut it (times on the performance.now() clock). */
export interface HeardUtterance {
  start_ms: number
  duration_ms: number
  samples: Int16Array
  sample_rate: number
}

/** A peer's ears: RTP packets in, speech events out. */
export interface Ears {
  push(packet: { payload: Uint8Array; timestamp?: number }, arrivalMs: number): void
  close(): void
}

export interface EarsHandlers {
  onSpeechStarted(atMs: number): void
  onSpeechStopped(atMs: number): void
  onUtterance(utterance: HeardUtterance): void
}

export type EarsFactory = (handlers: EarsHandlers) => Promise<Ears>

/** Speech to text for one utterance; '' when nothing was understood. */
export type Transcribe = (utterance: HeardUtterance) => Promise<string>

export interface ListeningOutput {
  /** The candidate started speaking: barge-in, and tell the client. */
  started(at: Date): void
  stopped(at: Date): void
  /** One utterance: talk time, whether or not it could be transcribed. */
  spoke(startedAt: Date, durationMs: number): void
  /** What the candidate said; resolves once it is a fact. */
  said(text: string, startedAt: Date, durationMs: number): Promise<void>
}

/** performance.now() milliseconds as a wall-clock time. */
export const wallClock = (atMs: number): Date => new Date(performance.timeOrigin + atMs)

/**
 * What the bot does with what it hears from one peer. Packets that arrive before the ears are
 * ready are dropped (they are milliseconds of the call's start). Utterances are transcribed one
 * after another, so the candidate's spoken messages are stored in the order they were said.
 */
export class Listening {
  private ears?: Ears
  private closed = false
  private chain: Promise<void> = Promise.resolve()

  constructor(
    private readonly transcribe: Transcribe | null,
    private readonly output: ListeningOutput,
    private readonly logger: Logger,
  ) {}

  async start(factory: EarsFactory): Promise<void> {
    const ears = await factory({
      onSpeechStarted: (at) => this.output.started(wallClock(at)),
      onSpeechStopped: (at) => this.output.stopped(wallClock(at)),
      onUtterance: (utterance) => this.heard(utterance),
    })
    if (this.closed) return ears.close()
    this.ears = ears
  }

  push(packet: { payload: Uint8Array; timestamp?: number }, arrivalMs: number): void {
    this.ears?.push(packet, arrivalMs)
  }

  /** Ends any utterance under way (it is still handled) and stops listening. */
  close(): Promise<void> {
    this.closed = true
    this.ears?.close()
    this.ears = undefined
    return this.chain
  }

  private heard(utterance: HeardUtterance): void {
    const startedAt = wallClock(utterance.start_ms)
    this.output.spoke(startedAt, utterance.duration_ms)
    const transcribe = this.transcribe
    if (!transcribe) return
    this.chain = this.chain
      .then(() => transcribe(utterance))
      .then((text) => (text.trim() ? this.output.said(text.trim(), startedAt, utterance.duration_ms) : undefined))
      .catch((err: unknown) => this.logger.warn({ err }, 'an utterance could not be transcribed'))
  }
}
