import OpusScript from 'opusscript'
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, type RTCDataChannel } from 'werift'
import { api } from '../support/http'
import { sleep } from '../support/runtime'

/** The client side of the tests: a werift peer on loopback, as a candidate's browser would be. */
export const CLIENT_CONFIG = { iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'] }

export interface BotMessage {
  type: string
  [key: string]: unknown
}

export class BotClient {
  readonly pc = new RTCPeerConnection(CLIENT_CONFIG)
  readonly mic = new MediaStreamTrack({ kind: 'audio' })
  readonly channel: RTCDataChannel
  readonly messages: BotMessage[] = []
  /** Opus payloads of the bot's audio, in arrival order. */
  readonly audio: Buffer[] = []
  audioPayloadType?: number
  pcId = ''

  constructor() {
    this.pc.addTransceiver(this.mic, { direction: 'sendrecv' })
    this.channel = this.pc.createDataChannel('interview')
    this.channel.onMessage.subscribe((data) => this.messages.push(JSON.parse(data.toString())))
    this.pc.onTrack.subscribe((track) =>
      track.onReceiveRtp.subscribe((rtp) => {
        this.audioPayloadType = rtp.header.payloadType
        this.audio.push(rtp.payload)
      }),
    )
  }

  /** Creates an offer (candidates included) for the room; does not apply the answer. */
  async offer(): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer())
    if (this.pc.iceGatheringState !== 'complete') await this.pc.iceGatheringStateChange.watch((s) => s === 'complete')
    return this.pc.localDescription!.sdp
  }

  /** Offer → POST /api/offer → answer applied. Returns the HTTP reply. */
  async join(token: string, roomId: string, extra: Record<string, unknown> = {}, baseUrl?: string) {
    const sdp = await this.offer()
    const reply = await api('POST', `/api/offer?room_id=${roomId}`, { token, body: { sdp, type: 'offer', ...extra }, baseUrl })
    if (reply.status !== 200) return reply
    this.pcId = reply.body.pc_id
    await this.pc.setRemoteDescription({ type: 'answer', sdp: reply.body.sdp })
    return reply
  }

  connected(timeoutMs = 10_000): Promise<unknown> {
    if (this.pc.connectionState === 'connected') return Promise.resolve()
    return this.pc.connectionStateChange.watch((s) => s === 'connected', timeoutMs)
  }

  send(message: unknown): void {
    this.channel.send(JSON.stringify(message))
  }

  /** The first message (after `from`) that matches, waiting for it. */
  async waitFor(match: (m: BotMessage) => boolean, timeoutMs = 10_000, from = 0): Promise<BotMessage> {
    const until = Date.now() + timeoutMs
    for (;;) {
      const found = this.messages.slice(from).find(match)
      if (found) return found
      if (Date.now() > until) throw new Error(`no matching data-channel message in ${timeoutMs} ms; got ${JSON.stringify(this.messages.map((m) => m.type))}`)
      await sleep(20)
    }
  }

  /** Sends `seconds` of a 440 Hz tone as 20 ms Opus frames, paced in real time. */
  async sendTone(seconds: number): Promise<void> {
    const encoder = new OpusScript(48_000, 1, OpusScript.Application.AUDIO)
    const pcm = Buffer.alloc(960 * 2)
    for (let i = 0; i < 960; i++) pcm.writeInt16LE(Math.round(8_000 * Math.sin((2 * Math.PI * 440 * i) / 48_000)), i * 2)
    const frame = Buffer.from(encoder.encode(pcm, 960))
    encoder.delete()
    const frames = Math.round(seconds * 50)
    for (let n = 0; n < frames; n++) {
      this.mic.writeRtp(new RtpPacket(new RtpHeader({ sequenceNumber: n, timestamp: n * 960, payloadType: 111, marker: n === 0 }), frame))
      await sleep(20)
    }
  }

  /** Sends Opus packets (20 ms each) with their RTP timestamps, paced in real time. */
  async sendPackets(packets: Array<{ payload: Buffer; timestamp: number }>): Promise<void> {
    const started = performance.now()
    for (const [n, { payload, timestamp }] of packets.entries()) {
      this.mic.writeRtp(new RtpPacket(new RtpHeader({ sequenceNumber: n & 0xffff, timestamp, payloadType: 111, marker: n === 0 }), payload))
      await sleep(Math.max(0, started + (n + 1) * 20 - performance.now()))
    }
  }

  /** Leaves as a browser does: the data channel closes first, so the server lets the peer go at once. */
  async close(): Promise<void> {
    if (this.channel.readyState === 'open') {
      this.channel.close()
      await sleep(20)
    }
    await this.pc.close().catch(() => undefined)
  }
}
