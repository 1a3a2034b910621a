import { mkdir, stat, unlink } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import type { MediaStreamTrack } from 'werift'
import { MediaRecorder } from 'werift/nonstandard'

export interface SavedRecording {
  file: string
  duration_seconds: number
  size_bytes: number
}

/**
 * The candidate's audio from one peer, written to WebM as it arrives. Timing comes from the RTP
 * timestamps alone (no waiting for RTCP sender reports), so the file starts with the first packet.
 */
export class PeerRecording {
  private recorder?: MediaRecorder
  private firstTimestamp?: number
  private lastTimestamp = 0
  private packets = 0
  private unsubscribe?: () => void

  private constructor(readonly path: string) {}

  static async start(path: string, track: MediaStreamTrack): Promise<PeerRecording> {
    await mkdir(dirname(path), { recursive: true })
    const recording = new PeerRecording(path)
    recording.unsubscribe = track.onReceiveRtp.subscribe((rtp) => {
      recording.firstTimestamp ??= rtp.header.timestamp
      recording.lastTimestamp = rtp.header.timestamp
      recording.packets++
    }).unSubscribe
    recording.recorder = new MediaRecorder({ path, tracks: [track], disableNtp: true, disableLipSync: true })
    return recording
  }

  get packetCount(): number {
    return this.packets
  }

  /** Finishes the file; null (and no file) when no audio arrived. */
  async stop(): Promise<SavedRecording | null> {
    this.unsubscribe?.()
    await this.recorder?.stop().catch(() => undefined)
    const size = await stat(this.path).then((s) => s.size, () => 0)
    if (this.packets === 0 || size === 0) {
      await unlink(this.path).catch(() => undefined)
      return null
    }
    const span = ((this.lastTimestamp - this.firstTimestamp!) >>> 0) / 48_000
    return { file: basename(this.path), duration_seconds: Math.round((span + 0.02) * 100) / 100, size_bytes: size }
  }
}
