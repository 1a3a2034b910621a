import { randomInt } from 'node:crypto'
import { MediaStreamTrack, RtpHeader, RtpPacket } from 'werift'
import { FRAME_SAMPLES } from './voice'

const FRAME_MS = 20

/**
 * One 20 ms tick for every peer's outgoing audio in the process: a single drift-corrected timer
 * instead of one per speaking peer.
 */
export class AudioClock {
  private readonly outs = new Set<AudioOut>()
  private timer?: NodeJS.Timeout
  private startedAt = 0
  private ticks = 0

  add(out: AudioOut): void {
    this.outs.add(out)
    if (this.timer) return
    this.startedAt = performance.now()
    this.ticks = 0
    this.schedule()
  }

  remove(out: AudioOut): void {
    this.outs.delete(out)
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.outs.clear()
  }

  private schedule(): void {
    this.ticks++
    const delay = Math.max(0, this.startedAt + this.ticks * FRAME_MS - performance.now())
    this.timer = setTimeout(() => this.tick(), delay)
  }

  private tick(): void {
    for (const out of this.outs) if (!out.sendNext()) this.outs.delete(out)
    if (this.outs.size === 0) {
      this.timer = undefined
      return
    }
    this.schedule()
  }
}

/**
 * The bot's audio track to one peer: queued Opus frames become RTP packets, one per tick.
 * `onSpeaking(true)` when the first packet of a talkspurt goes out, `(false)` when the queue has
 * drained or was interrupted: what the peer really hears, not when the text was made.
 */
export class AudioOut {
  readonly track = new MediaStreamTrack({ kind: 'audio' })
  private queue: Buffer[] = []
  private sequence = randomInt(0, 0x10000)
  private timestamp = randomInt(0, 0x1_0000_0000)
  private lastSentAt = 0
  private talkspurt = true
  private stopped = false
  private sounding = false
  /** The payload type the answer negotiated for Opus. */
  payloadType = 111
  onSpeaking: (speaking: boolean) => void = () => undefined

  constructor(private readonly clock: AudioClock) {}

  get speaking(): boolean {
    return this.queue.length > 0
  }

  play(frames: Buffer[]): void {
    if (this.stopped || frames.length === 0) return
    this.queue.push(...frames)
    this.clock.add(this)
  }

  /** Sends one frame; false when there is nothing left to send. */
  sendNext(): boolean {
    const frame = this.queue.shift()
    if (!frame || this.stopped) {
      this.talkspurt = true
      this.silent()
      return false
    }
    const now = performance.now()
    // After a silence the RTP clock jumps by the time that passed, as a real microphone's would.
    const step = this.talkspurt && this.lastSentAt ? Math.max(FRAME_SAMPLES, Math.round((now - this.lastSentAt) * 48)) : FRAME_SAMPLES
    this.timestamp = (this.timestamp + step) >>> 0
    this.sequence = (this.sequence + 1) & 0xffff
    const header = new RtpHeader({ payloadType: this.payloadType, sequenceNumber: this.sequence, timestamp: this.timestamp, marker: this.talkspurt })
    this.track.writeRtp(new RtpPacket(header, frame))
    this.talkspurt = false
    this.lastSentAt = now
    if (!this.sounding) {
      this.sounding = true
      this.onSpeaking(true)
    }
    return true
  }

  /** Barge-in: drops what is queued; the next turn starts a new talkspurt. */
  interrupt(): void {
    this.queue = []
    this.talkspurt = true
    this.clock.remove(this)
    this.silent()
  }

  stop(): void {
    this.stopped = true
    this.queue = []
    this.clock.remove(this)
    this.track.stop()
    this.silent()
  }

  private silent(): void {
    if (!this.sounding) return
    this.sounding = false
    this.onSpeaking(false)
  }
}
