import { OpusDecoder } from './opus-decoder'
import { DEFAULT_SEGMENTER, UtteranceSegmenter, type SegmentEvent, type SegmenterOptions, type Utterance } from './segmenter'
import { Vad, type VadMode } from './vad'

/** What the bot does with what it hears. Times are on the clock of the `arrivalMs` given to `push`. */
export interface HearingHandlers {
  onSpeechStarted?(atMs: number): void
  onSpeechStopped?(atMs: number): void
  onUtterance?(utterance: Utterance): void
}

/** The parts of an RTP packet hearing needs; werift's `RtpPacket` has them as `payload` and `header`. */
export interface AudioPacket {
  payload: Uint8Array
  /** The RTP timestamp (48 kHz for Opus): finds lost packets and silences the sender skipped. */
  timestamp?: number
}

export interface HearingOptions {
  /** Decoding and detection rate: 16 kHz is what speech recognizers take. */
  sampleRate: 16_000 | 48_000
  vadMode: VadMode
  frameMs: 10 | 20 | 30
  segmenter: Partial<Omit<SegmenterOptions, 'sampleRate'>>
  /** A longer gap in the RTP timestamps ends any utterance and restarts the clock at the packet's arrival. */
  maxGapMs: number
}

export const DEFAULT_HEARING: HearingOptions = { sampleRate: 16_000, vadMode: 2, frameMs: 20, segmenter: DEFAULT_SEGMENTER, maxGapMs: 1_000 }

const RTP_RATE = 48_000

export interface HearingStats {
  packets: number
  /** Packets that came after a later one, or twice (dropped). */
  late: number
  /** Audio filled in with silence for lost packets, in ms. */
  concealed_ms: number
  undecodable: number
  heard_ms: number
}

/**
 * One peer's ears: Opus RTP payloads → PCM → voice activity → utterances, as callbacks.
 * Runs in the packet handler itself: a 20 ms packet costs tens of microseconds.
 */
export class Hearing {
  private readonly decoder: OpusDecoder
  private readonly segmenter: UtteranceSegmenter
  private pending = new Int16Array(0)
  /** Samples (at `sampleRate`) framed so far, and the time the first of them stands for. */
  private position = 0
  private originMs = 0
  private nextTimestamp?: number
  private closed = false
  private readonly counts: HearingStats = { packets: 0, late: 0, concealed_ms: 0, undecodable: 0, heard_ms: 0 }

  private constructor(
    private readonly vad: Vad,
    private readonly options: HearingOptions,
    private readonly handlers: HearingHandlers,
  ) {
    this.decoder = new OpusDecoder(options.sampleRate)
    this.segmenter = new UtteranceSegmenter({ ...DEFAULT_SEGMENTER, ...options.segmenter, sampleRate: options.sampleRate })
  }

  static async create(handlers: HearingHandlers, options: Partial<HearingOptions> = {}): Promise<Hearing> {
    const chosen = { ...DEFAULT_HEARING, ...options }
    const vad = await Vad.create({ sampleRate: chosen.sampleRate, mode: chosen.vadMode, frameMs: chosen.frameMs })
    return new Hearing(vad, chosen, handlers)
  }

  /** Whether the peer is speaking right now (confirmed speech, not yet ended). */
  get speaking(): boolean {
    return this.segmenter.speaking
  }

  get stats(): HearingStats {
    return { ...this.counts, undecodable: this.decoder.failures }
  }

  /** One RTP packet of the peer's audio, and when it arrived (ms, any clock: the events use it). */
  push(packet: AudioPacket, arrivalMs: number): void {
    if (this.closed) return
    this.counts.packets++
    if (this.counts.packets === 1) this.originMs = arrivalMs
    if (packet.timestamp !== undefined && this.nextTimestamp !== undefined) {
      // Signed distance on the 32-bit RTP clock, so wrap-around is no gap.
      const gap = ((packet.timestamp - this.nextTimestamp) << 0) / RTP_RATE * 1000
      if (gap < 0) {
        this.counts.late++
        return
      }
      if (gap > this.options.maxGapMs) this.restart(arrivalMs)
      else if (gap > 0) this.conceal(gap)
    }
    const pcm = this.decoder.decode(packet.payload)
    if (packet.timestamp !== undefined && pcm.length > 0) this.nextTimestamp = (packet.timestamp + (pcm.length * RTP_RATE) / this.options.sampleRate) >>> 0
    this.feed(pcm)
  }

  /** Ends any utterance under way (its events fire now) and frees the decoder and detector. */
  close(): void {
    if (this.closed) return
    this.emit(this.segmenter.flush())
    this.closed = true
    this.decoder.close()
    this.vad.close()
  }

  private conceal(ms: number): void {
    this.counts.concealed_ms += ms
    this.feed(new Int16Array(Math.round((ms * this.options.sampleRate) / 1000)))
  }

  private restart(arrivalMs: number): void {
    this.emit(this.segmenter.flush())
    this.pending = new Int16Array(0)
    this.originMs = arrivalMs - (this.position * 1000) / this.options.sampleRate
  }

  private feed(pcm: Int16Array): void {
    if (pcm.length === 0) return
    const all = this.pending.length === 0 ? pcm : concat(this.pending, pcm)
    const size = this.vad.frameSamples
    let offset = 0
    for (; offset + size <= all.length; offset += size) {
      const frame = all.slice(offset, offset + size)
      const atMs = this.originMs + (this.position * 1000) / this.options.sampleRate
      this.position += size
      this.emit(this.segmenter.push(frame, this.vad.isSpeech(frame), atMs))
    }
    this.pending = all.slice(offset)
    this.counts.heard_ms += (pcm.length * 1000) / this.options.sampleRate
  }

  private emit(events: SegmentEvent[]): void {
    for (const event of events) {
      if (event.type === 'speech_started') this.handlers.onSpeechStarted?.(event.at_ms)
      else if (event.type === 'speech_stopped') this.handlers.onSpeechStopped?.(event.at_ms)
      else this.handlers.onUtterance?.(event.utterance)
    }
  }
}

function concat(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
