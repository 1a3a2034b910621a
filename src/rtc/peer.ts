import { RTCPeerConnection, type MediaStreamTrack, type PeerConfig, type RTCDataChannel, type RTCRtpTransceiver, type RtpPacket } from 'werift'
import type { Logger } from '../logger'
import { AudioOut, type AudioClock } from './audio-out/audio-out'
import { PeerRecording, type SavedRecording } from './recording'

export interface SessionDescription {
  sdp: string
  type: 'offer' | 'answer'
}

export interface IceCandidate {
  candidate: string
  sdp_mid?: string | null
  sdp_mline_index?: number | null
}

export interface PeerHandlers {
  connected(): void
  /** The connection failed or was closed by the other side. */
  lost(reason: 'closed' | 'failed'): void
  message(text: string): void
  /** Where to record the candidate's audio track. */
  recordingPath(): string
  /** Each RTP packet of the candidate's audio, as it arrives (performance.now() ms). */
  heard?(packet: RtpPacket, arrivalMs: number): void
}

/** Messages queued for the data channel until it opens; beyond this the oldest are dropped. */
const OUTBOX_LIMIT = 200

/** A bad offer or candidate: the client's mistake, a 400 at the edge. */
export class SignallingError extends Error {}

/** What every offer needs before it is worth handing to the WebRTC stack (which accepts almost anything). */
function checkOffer(sdp: string): void {
  const missing = [
    [/^v=0\r?\n/, 'a v=0 first line'],
    [/^m=(audio|video|application) /m, 'a media section'],
    [/^a=ice-ufrag:/m, 'ICE credentials'],
    [/^a=fingerprint:/m, 'a DTLS fingerprint'],
  ].filter(([pattern]) => !(pattern as RegExp).test(sdp))
  if (missing.length > 0) throw new SignallingError(`The offer is not a WebRTC session description: it lacks ${missing.map(([, what]) => what).join(', ')}`)
}

/**
 * One browser's WebRTC connection to the bot: its audio both ways (the candidate's recorded,
 * the bot's spoken), and the data channel the browser opened. Knows nothing of rooms.
 */
export class PeerSession {
  readonly pc: RTCPeerConnection
  readonly audio: AudioOut
  private channel?: RTCDataChannel
  private outbox: string[] = []
  private recording?: Promise<PeerRecording | undefined>
  private connectedOnce = false
  private closed = false
  /** RTP packets of the candidate's audio received so far. */
  packetsReceived = 0

  constructor(
    readonly pcId: string,
    config: Partial<PeerConfig>,
    clock: AudioClock,
    private readonly handlers: PeerHandlers,
    private readonly logger: Logger,
  ) {
    this.pc = new RTCPeerConnection(config)
    this.audio = new AudioOut(clock)
    this.pc.connectionStateChange.subscribe((state) => this.onState(state))
    this.pc.onDataChannel.subscribe((channel) => this.adopt(channel))
    this.pc.onTrack.subscribe((track) => this.onTrack(track))
  }

  get isConnected(): boolean {
    return this.connectedOnce && !this.closed
  }

  /** Applies an offer (first or renegotiated) and returns the answer with its ICE candidates. */
  async answer(offer: SessionDescription): Promise<SessionDescription> {
    checkOffer(offer.sdp)
    try {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp })
    } catch (err) {
      throw new SignallingError(`The offer could not be applied: ${(err as Error).message}`)
    }
    for (const transceiver of this.pc.getTransceivers()) this.prepareAudio(transceiver)
    const answer = await this.pc.createAnswer()
    await this.pc.setLocalDescription(answer)
    // Host candidates gather in milliseconds; a slow STUN/TURN server only loses its own candidates.
    if (this.pc.iceGatheringState !== 'complete') await this.pc.iceGatheringStateChange.watch((s) => s === 'complete', 10_000).catch(() => undefined)
    return { sdp: this.pc.localDescription!.sdp, type: 'answer' }
  }

  async addCandidates(candidates: IceCandidate[]): Promise<void> {
    for (const c of candidates) {
      try {
        await this.pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdp_mid ?? undefined, sdpMLineIndex: c.sdp_mline_index ?? undefined })
      } catch (err) {
        throw new SignallingError(`The candidate could not be added: ${(err as Error).message}`)
      }
    }
  }

  /** Sends a JSON message on the data channel (queued until it opens). */
  send(message: unknown): void {
    if (this.closed) return
    const text = JSON.stringify(message)
    if (this.channel?.readyState === 'open') {
      this.channel.send(text)
      return
    }
    this.outbox.push(text)
    if (this.outbox.length > OUTBOX_LIMIT) this.outbox.shift()
  }

  speak(frames: Buffer[]): void {
    if (!this.closed) this.audio.play(frames)
  }

  /** Stops everything; returns the saved recording, if audio arrived. */
  async close(): Promise<SavedRecording | null> {
    if (this.closed) return null
    this.closed = true
    this.audio.stop()
    const recording = await this.recording
    await this.pc.close().catch((err: unknown) => this.logger.debug({ err, pc_id: this.pcId }, 'peer connection close failed'))
    return (await recording?.stop()) ?? null
  }

  /** An audio m-line the offer created arrives recvonly: the bot answers sendrecv, with its voice on it. */
  private prepareAudio(transceiver: RTCRtpTransceiver): void {
    if (transceiver.kind !== 'audio' || transceiver.stopped) return
    const opus = transceiver.codecs.find((c) => c.mimeType.toLowerCase() === 'audio/opus')
    if (!opus) return
    this.audio.payloadType = opus.payloadType!
    if (transceiver.sender.track !== this.audio.track) {
      if (transceiver.direction === 'recvonly' || transceiver.direction === 'inactive') transceiver.setDirection(transceiver.direction === 'recvonly' ? 'sendrecv' : 'sendonly')
      void transceiver.sender.replaceTrack(this.audio.track)
    }
  }

  private onTrack(track: MediaStreamTrack): void {
    if (track.kind !== 'audio' || this.recording || this.closed) return
    track.onReceiveRtp.subscribe((packet) => {
      this.packetsReceived++
      this.handlers.heard?.(packet, performance.now())
    })
    this.recording = PeerRecording.start(this.handlers.recordingPath(), track).catch((err: unknown) => {
      this.logger.warn({ err, pc_id: this.pcId }, 'could not start recording')
      return undefined
    })
  }

  private adopt(channel: RTCDataChannel): void {
    if (this.channel) return
    this.channel = channel
    channel.onMessage.subscribe((data) => this.handlers.message(typeof data === 'string' ? data : data.toString('utf8')))
    const flush = () => {
      for (const text of this.outbox.splice(0)) channel.send(text)
    }
    if (channel.readyState === 'open') flush()
    channel.stateChanged.subscribe((state) => {
      if (state === 'open') flush()
      // A browser closing its peer connection closes the channel first: the surest sign it left.
      else if (state === 'closed') this.handlers.lost('closed')
    })
  }

  private onState(state: string): void {
    if (this.closed) return
    if (state === 'connected' && !this.connectedOnce) {
      this.connectedOnce = true
      this.handlers.connected()
    } else if (state === 'failed' || state === 'closed') {
      this.handlers.lost(state)
    }
  }
}
