import type { StoredEvent } from '../event-store'
import { ssePayload } from '../rooms/room-stream'
import type { Refusal } from './refusal'
import { ClientMessage } from './rtc.schemas'
import { parseInbound } from './rtvi/rtvi.codec'
import { RtviSession } from './rtvi/rtvi.session'

export interface BotChannelPeer {
  roomId: string
  userId: string
  send(message: unknown): void
  /** Resolves once the text is the candidate's fact; rejects with a Refusal. */
  candidateSays(text: string): Promise<void>
  disconnect(): void
}

/** Which protocol the peer speaks; until its first message says, it hears both. */
type Protocol = 'unknown' | 'ours' | 'rtvi'

/**
 * One peer's data channel, in two protocols: ours (unlabelled `{type}` JSON) and RTVI 2.x
 * (`label: "rtvi-ai"`, the stock Pipecat clients). Everything the bot does goes out in the
 * protocol the peer speaks; the peer's messages become the bot's actions.
 */
export class BotChannel {
  private protocol: Protocol = 'unknown'
  private readonly rtvi: RtviSession

  constructor(private readonly peer: BotChannelPeer) {
    this.rtvi = new RtviSession({ send: (m) => peer.send(m), candidateSays: (text) => peer.candidateSays(text), disconnect: () => peer.disconnect() })
  }

  get speaksRtvi(): boolean {
    return this.protocol === 'rtvi'
  }

  receive(text: string): void {
    const inbound = parseInbound(text)
    switch (inbound.kind) {
      case 'keepalive':
        return
      case 'signalling':
        // The stock transport's track status: it says who is talking, nothing to answer.
        this.protocol = 'rtvi'
        return
      case 'rtvi':
        this.protocol = 'rtvi'
        return this.rtvi.handle(inbound.request)
      case 'rtvi_refused':
        this.protocol = 'rtvi'
        return this.rtvi.refuse(inbound.type, inbound.error, inbound.id)
      case 'ours':
        return this.ours(inbound.value)
      case 'malformed':
        return this.invalid()
    }
  }

  botJoined(): void {
    this.rtvi.botJoined()
  }

  botSaid(text: string, phase: number | null, spoken: boolean): void {
    if (this.protocol !== 'rtvi') this.peer.send({ type: 'bot_message', text, phase })
    if (this.protocol !== 'ours') this.rtvi.botSaid(text, spoken)
  }

  botVoiced(text: string): void {
    if (this.protocol !== 'ours') this.rtvi.botVoiced(text)
  }

  botSpeaking(speaking: boolean): void {
    if (this.protocol !== 'ours') this.rtvi.botSpeaking(speaking)
  }

  userSpeaking(speaking: boolean): void {
    if (this.protocol !== 'ours') this.rtvi.userSpeaking(speaking)
  }

  transcription(text: string, at: Date): void {
    if (this.protocol !== 'ours') this.rtvi.transcription(text, at, this.peer.userId)
  }

  fact(event: StoredEvent): void {
    if (this.protocol !== 'rtvi') this.peer.send({ type: event.type, data: { ...(event.data as object), version: event.stream_position } })
    if (this.protocol !== 'ours') this.rtvi.fact(event.type, ssePayload(this.peer.roomId, event))
  }

  refused(refusal: Refusal): void {
    if (this.protocol !== 'rtvi') this.peer.send({ type: 'error', code: refusal.code, message: refusal.message })
    if (this.protocol !== 'ours') this.rtvi.error(refusal.message)
  }

  /** The bot is leaving the peer (it asked, or the server stops). */
  leaving(): void {
    if (this.protocol !== 'ours') this.rtvi.leaving()
  }

  private ours(value: unknown): void {
    const parsed = ClientMessage.safeParse(value)
    if (!parsed.success) return this.invalid()
    if (this.protocol === 'unknown') this.protocol = 'ours'
    if (parsed.data.type === 'ping') return this.peer.send({ type: 'pong' })
    this.peer.candidateSays(parsed.data.text).catch((refusal: Refusal) => this.peer.send({ type: 'error', code: refusal.code, message: refusal.message }))
  }

  private invalid(): void {
    const message = 'Send {"type":"candidate_message","text":…} or {"type":"ping"}, or RTVI messages labelled "rtvi-ai"'
    if (this.protocol !== 'rtvi') this.peer.send({ type: 'error', code: 'invalid_message', message })
    if (this.protocol !== 'ours') this.rtvi.error(message)
  }
}
