import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { refuseBeyondPendingCap } from './pending-peers'
import type { Config } from '../../config'
import type { Db } from '../db/database'
import type { Logger } from '../logger'
import type { AuthenticatedUser } from '../auth/auth.service'
import type { EventMetadata, StoredEvent } from '../event-store'
import { AppError, ConflictError, NotFoundError, UnavailableError, ValidationError } from '../http/errors'
import { CommandRefused, type RoomCommand } from '../../machines/interview-room'
import type { RoomRuntime } from '../rooms/room-runtime'
import type { RoomService } from '../rooms/room.service'
import { AudioClock } from './audio-out'
import { InterviewBot } from './bot'
import { peerConfig } from './ice'
import type { InterviewerFactory } from './interviewer'
import { PeerSession, SignallingError, type SessionDescription } from './peer'
import { listRecordings, openRecording, roomRecordingsDir } from './recordings'
import { ClientMessage, type CandidatesBody, type OfferBody } from './rtc.schemas'
import type { Voice } from './voice'

export interface RtcServiceDeps {
  config: Pick<Config, 'ICE_SERVERS' | 'ICE_HOST_ADDRESSES' | 'RTC_CONNECT_TIMEOUT_MS' | 'RTC_MAX_PEERS' | 'RTC_MAX_PENDING_PEERS_PER_USER' | 'RECORDINGS_DIR'>
  db: Db
  runtime: RoomRuntime
  rooms: RoomService
  logger: Logger
  interviewer: InterviewerFactory
  /** Null: the bot is text-only. */
  voice: Voice | null
}

interface Peer {
  pcId: string
  roomId: string
  userId: string
  session: PeerSession
  bot: InterviewBot
  /** The room has its peer_connected fact; the bot follows the room. */
  joined: boolean
  following: boolean
  speech: Promise<void>
  /** When the candidate's recent messages arrived (for the rate limit). */
  said: number[]
  connectTimer: NodeJS.Timeout
  closing?: Promise<void>
}

type CloseReason = 'closed' | 'failed' | 'restart' | 'shutdown'

const MESSAGES_PER_WINDOW = 10
const MESSAGE_WINDOW_MS = 10_000

/**
 * The interview bot's WebRTC side in this process: signalling, one PeerSession and one bot per
 * peer, the peer lifecycle as room facts, and the room's facts fanned out to its peers. Peers
 * live in the process that answered their offer; their rooms' facts reach them from the log.
 */
export class RtcService {
  private readonly peers = new Map<string, Peer>()
  private readonly byRoom = new Map<string, Set<Peer>>()
  private readonly clock = new AudioClock()
  private stopping = false

  constructor(private readonly deps: RtcServiceDeps) {}

  get peerCount(): number {
    return this.peers.size
  }

  /** Per peer here: whether it is connected and how many audio packets it has sent us. */
  audioIn(): Array<{ pc_id: string; connected: boolean; packets: number }> {
    return [...this.peers.values()].map(({ pcId, session }) => ({ pc_id: pcId, connected: session.isConnected, packets: session.packetsReceived }))
  }

  async offer(user: AuthenticatedUser, roomId: string, body: OfferBody): Promise<SessionDescription & { pc_id: string }> {
    const status = await this.deps.rooms.status(user, roomId)
    if (status.state === 'completed') throw new ConflictError(`The interview in room ${roomId} is over`, { state: status.state }, 'invalid_state')
    const existing = body.pc_id ? this.peers.get(body.pc_id) : undefined
    if (existing && (existing.roomId !== roomId || existing.userId !== user.id)) throw new NotFoundError(`No peer connection ${body.pc_id} in room ${roomId}`)
    if (existing && !body.restart_pc) return { ...(await this.signal(() => existing.session.answer(body))), pc_id: existing.pcId }
    if (existing) await this.close(existing, 'restart')
    if (this.stopping) throw new UnavailableError('The server is shutting down')
    refuseBeyondPendingCap(this.peers.values(), user.id, this.deps.config.RTC_MAX_PENDING_PEERS_PER_USER, this.deps.config.RTC_CONNECT_TIMEOUT_MS)
    if (this.peers.size >= this.deps.config.RTC_MAX_PEERS) throw new UnavailableError('This server holds as many peers as it may; try again later')
    const peer = this.create(existing?.pcId ?? body.pc_id ?? `pc-${randomUUID()}`, roomId, user.id)
    try {
      return { ...(await this.signal(() => peer.session.answer(body))), pc_id: peer.pcId }
    } catch (error) {
      await this.close(peer, 'failed')
      throw error
    }
  }

  async addCandidates(user: AuthenticatedUser, body: CandidatesBody): Promise<void> {
    const peer = this.peers.get(body.pc_id)
    if (!peer || peer.userId !== user.id) throw new NotFoundError(`No peer connection ${body.pc_id}`)
    await this.signal(() => peer.session.addCandidates(body.candidates))
  }

  async recordings(user: AuthenticatedUser, roomId: string) {
    await this.deps.rooms.status(user, roomId)
    return { success: true, room_id: roomId, recordings: await listRecordings(this.deps.db, roomId) }
  }

  async recording(user: AuthenticatedUser, roomId: string, file: string) {
    await this.deps.rooms.status(user, roomId)
    return openRecording(this.deps.config.RECORDINGS_DIR, roomId, file)
  }

  /** The log subscription's batch handler: each room's facts to the bots of its peers here. */
  deliver(events: StoredEvent[]): void {
    for (const event of events) {
      if (!event.stream_id.startsWith('room-')) continue
      const peers = this.byRoom.get(event.stream_id.slice(5))
      if (peers) for (const peer of peers) if (peer.following) peer.bot.deliver(event)
    }
  }

  /** Closes every peer (their facts appended, recordings saved); new offers get 503 meanwhile. */
  async closeAll(): Promise<void> {
    this.stopping = true
    await Promise.all([...this.peers.values()].map((peer) => this.close(peer, 'shutdown')))
    this.clock.stop()
    this.deps.voice?.close()
  }

  private async signal<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      if (error instanceof SignallingError) throw new ValidationError(error.message, [{ path: 'body.sdp', message: error.message }])
      throw error
    }
  }

  private create(pcId: string, roomId: string, userId: string): Peer {
    const { config, logger } = this.deps
    const peer = { pcId, roomId, userId, joined: false, following: false, speech: Promise.resolve(), said: [] as number[] } as Peer
    peer.session = new PeerSession(
      pcId,
      peerConfig(config),
      this.clock,
      {
        connected: () => void this.connected(peer),
        lost: (reason) => void this.close(peer, reason),
        message: (text) => void this.message(peer, text),
        recordingPath: () => join(roomRecordingsDir(config.RECORDINGS_DIR, roomId), `${pcId}-${new Date().toISOString().replace(/[:.]/g, '-')}.webm`),
      },
      logger,
    )
    peer.bot = new InterviewBot(
      pcId,
      this.deps.interviewer(),
      {
        fact: (event) => peer.session.send({ type: event.type, data: { ...(event.data as object), version: event.stream_position } }),
        say: (text, sequence) => this.say(peer, text, sequence),
        reload: () => this.deps.runtime.load(roomId),
      },
      logger,
    )
    peer.connectTimer = setTimeout(() => {
      if (!peer.session.isConnected) void this.close(peer, 'failed')
    }, config.RTC_CONNECT_TIMEOUT_MS)
    peer.connectTimer.unref()
    this.peers.set(pcId, peer)
    let room = this.byRoom.get(roomId)
    if (!room) this.byRoom.set(roomId, (room = new Set()))
    room.add(peer)
    return peer
  }

  private async connected(peer: Peer): Promise<void> {
    clearTimeout(peer.connectTimer)
    peer.following = true
    try {
      const result = await this.execute(peer, { type: 'connectPeer', pc_id: peer.pcId })
      peer.joined = true
      await peer.bot.join(result.snapshot, result.version)
    } catch (err) {
      this.reportError(peer, err)
      await this.close(peer, 'closed')
    }
  }

  private async message(peer: Peer, text: string): Promise<void> {
    // The common keep-alive is a bare "ping…" string; it needs no answer.
    if (text.startsWith('ping')) return
    let parsed: ClientMessage
    try {
      parsed = ClientMessage.parse(JSON.parse(text))
    } catch {
      peer.session.send({ type: 'error', code: 'invalid_message', message: 'Send {"type":"candidate_message","text":…} or {"type":"ping"}' })
      return
    }
    if (parsed.type === 'ping') return peer.session.send({ type: 'pong' })
    if (!peer.joined) return peer.session.send({ type: 'error', code: 'not_connected', message: 'The bot has not joined yet' })
    // Every message is a fact in the room's log: a flood is refused, not stored.
    const now = Date.now()
    peer.said = peer.said.filter((at) => now - at < MESSAGE_WINDOW_MS)
    if (peer.said.length >= MESSAGES_PER_WINDOW) return peer.session.send({ type: 'error', code: 'rate_limited', message: `At most ${MESSAGES_PER_WINDOW} messages per ${MESSAGE_WINDOW_MS / 1000} s` })
    peer.said.push(now)
    await this.execute(peer, { type: 'recordCandidateMessage', pc_id: peer.pcId, text: parsed.text }).catch((err: unknown) => this.reportError(peer, err))
  }

  private say(peer: Peer, text: string, sequence: number | null): void {
    peer.session.send({ type: 'bot_message', text, phase: sequence })
    const voice = this.deps.voice
    // Chained, so turns are spoken in the order they were said even when one synthesizes slower.
    if (voice) peer.speech = peer.speech.then(() => voice.frames(text)).then((frames) => peer.session.speak(frames))
    void this.execute(peer, { type: 'recordBotMessage', pc_id: peer.pcId, text }).catch((err: unknown) =>
      this.deps.logger.warn({ err, pc_id: peer.pcId, room_id: peer.roomId }, 'could not store a bot message'),
    )
  }

  private close(peer: Peer, reason: CloseReason): Promise<void> {
    peer.closing ??= (async () => {
      clearTimeout(peer.connectTimer)
      peer.following = false
      if (this.peers.get(peer.pcId) === peer) this.peers.delete(peer.pcId)
      const room = this.byRoom.get(peer.roomId)
      room?.delete(peer)
      if (room?.size === 0) this.byRoom.delete(peer.roomId)
      const saved = await peer.session.close()
      try {
        if (peer.joined) await this.execute(peer, { type: 'disconnectPeer', pc_id: peer.pcId, reason })
        if (saved) await this.execute(peer, { type: 'saveRecording', pc_id: peer.pcId, ...saved })
      } catch (err) {
        this.deps.logger.warn({ err, pc_id: peer.pcId, room_id: peer.roomId }, 'could not record the end of a peer')
      }
    })()
    return peer.closing
  }

  private execute(peer: Peer, command: RoomCommand) {
    const metadata: EventMetadata = { user_id: peer.userId, causation: 'rtc', pc_id: peer.pcId }
    return this.deps.runtime.execute(peer.roomId, command, metadata)
  }

  private reportError(peer: Peer, err: unknown): void {
    if (err instanceof CommandRefused) return peer.session.send({ type: 'error', code: 'invalid_state', message: err.message })
    if (err instanceof AppError) return peer.session.send({ type: 'error', code: err.code, message: err.message })
    this.deps.logger.warn({ err, pc_id: peer.pcId, room_id: peer.roomId }, 'peer command failed')
    peer.session.send({ type: 'error', code: 'internal_error', message: 'Something went wrong' })
  }
}
