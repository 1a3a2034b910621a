import type { Refusal } from '../refusal'
import { botOutput, botReady, errorResponse, peerLeft, rtvi, rtviError, serverMessage, serverResponse, userTranscription, type RtviRequest } from './rtvi.codec'

export interface RtviPeer {
  send(message: unknown): void
  /** The candidate said this (typed); resolves once it is a fact, rejects with the refusal. */
  candidateSays(text: string): Promise<void>
  /** The client asked the bot to leave. */
  disconnect(): void
}

const ABOUT = { library: 'mock-interview-api', library_version: '0.1.0' }

/**
 * One peer's RTVI side: its requests become the bot's actions, and what the bot does becomes
 * RTVI messages. `bot-ready` waits until the bot has joined the room, so a client whose
 * `connect()` resolved can speak at once.
 */
export class RtviSession {
  private readyId?: string | null = null
  private joined = false

  constructor(private readonly peer: RtviPeer) {}

  handle(request: RtviRequest): void {
    switch (request.type) {
      case 'client-ready':
        this.readyId = request.id
        return this.maybeReady()
      case 'disconnect-bot':
        return this.peer.disconnect()
      case 'send-text':
        return void this.peer.candidateSays(request.data.content).catch((refusal: Refusal) => this.peer.send(rtviError(refusal.message, request.id)))
      case 'append-to-context':
        return void this.peer.candidateSays(request.data.content).catch((refusal: Refusal) => this.peer.send(rtviError(refusal.message, request.id)))
      case 'client-message':
        return this.clientMessage(request.id, request.data)
      default: {
        const never: never = request
        return never
      }
    }
  }

  refuse(type: string, error: string, id?: string): void {
    // A refused request gets its answer where the client waits for it.
    this.peer.send(type === 'client-message' ? errorResponse(id, error) : rtviError(error, id))
  }

  /** The bot is in the room: the client may now be told it is ready. */
  botJoined(): void {
    this.joined = true
    this.maybeReady()
  }

  botSaid(text: string, spoken: boolean): void {
    this.peer.send(botOutput(text, spoken))
    this.peer.send(rtvi('bot-llm-text', { text }))
  }

  /** The turn's audio is queued on the track. */
  botVoiced(text: string): void {
    this.peer.send(rtvi('bot-tts-text', { text }))
  }

  botSpeaking(speaking: boolean): void {
    this.peer.send(rtvi(speaking ? 'bot-started-speaking' : 'bot-stopped-speaking'))
  }

  userSpeaking(speaking: boolean): void {
    this.peer.send(rtvi(speaking ? 'user-started-speaking' : 'user-stopped-speaking'))
  }

  transcription(text: string, at: Date, userId: string): void {
    this.peer.send(userTranscription(text, at.toISOString(), userId))
  }

  fact(type: string, data: unknown): void {
    this.peer.send(serverMessage(type, data))
  }

  error(message: string): void {
    this.peer.send(rtviError(message))
  }

  leaving(): void {
    this.peer.send(peerLeft())
  }

  private maybeReady(): void {
    if (this.readyId === null || !this.joined) return
    this.peer.send(botReady(ABOUT, this.readyId))
    this.readyId = null
  }

  private clientMessage(id: string | undefined, data: { t: string; d?: unknown }): void {
    if (data.t !== 'candidate_message') return this.peer.send(errorResponse(id, `Unknown client message "${data.t}": the bot understands "candidate_message" with d: {text}`))
    const d = data.d as { text?: unknown } | string | undefined
    const text = typeof d === 'string' ? d : d?.text
    if (typeof text !== 'string') return this.peer.send(errorResponse(id, 'candidate_message needs d: {text: string}'))
    this.peer.candidateSays(text).then(
      () => this.peer.send(serverResponse(id, data.t, { ok: true })),
      (refusal: Refusal) => this.peer.send(errorResponse(id, refusal.message)),
    )
  }
}
