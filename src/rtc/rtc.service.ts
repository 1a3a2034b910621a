import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { refuseBeyondPendingCap } from './pending-peers'
import type { Config } from '../../config'
import type { Db } from '../db/database'
import type { Logger } from '../logger'
import type { AuthenticatedUser } from '../auth/auth.service'
import type { EventMetadata, StoredEvent } from '../event-store'
import { ConflictError, NotFoundError, UnavailableError, ValidationError } from '../http/errors'
import type { RoomCommand } from '../../machines/interview-room'
import type { RoomRuntime } from '../rooms/room-runtime'
import type { RoomService } from '../rooms/room.service'
import { AudioClock } from './audio-out/audio-out'
import { InterviewBot } from './bot'
import { BotChannel } from './bot-channel'
import { peerConfig } from './ice'
import { Listening, type EarsFactory, type Transcribe } from './listening'
import { botTalk, candidateTalk, spokenMessage } from './audio-in/talk'
import type { InterviewerFactory } from './interviewers/interviewer'
import { PeerSession, SignallingError, type SessionDescription } from './peer'
import { listRecordings, openRecording, roomRecordingsDir } from './recordings'
import { Refusal, toRefusal } from './refusal'
import { CandidateText, type CandidatesBody, type OfferBody } from './rtc.schemas'
import type { Voice } from './audio-out/voice'

export interface RtcServiceDeps {
  config: Pick<Config, 'ICE_SERVERS' | 'ICE_HOST_ADDRESSES' | 'RTC_CONNECT_TIMEOUT_MS' | 'RTC_MAX_PEERS' | 'RTC_MAX_PENDING_PEERS_PER_USER' | 'RECORDINGS_DIR'>
  db: Db
  runtime: RoomRuntime
  rooms: RoomService
  logger: Logger
  interviewer: InterviewerFactory
  /** Null: the bot is text-only. */
  voice: Voice | null
  /** Null: the bot does not listen to the candidate's audio (it is still recorded). */
  ears: EarsFactory | null
  /** Null: the bot hears that the candidate speaks (talk time, barge-in) but not what. */
  transcribe: Transcribe | null
}

interface Peer {
  pcId: string
  roomId: string
  userId: string
  session: PeerSession
  channel: BotChannel
  bot: InterviewBot
  listening?: Listening
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

  async addCandidates(user: AuthenticatedUser, body: CandidatesBody, roomId?: string): Promise<void> {
    const peer = this.peers.get(body.pc_id)
    if (!peer || peer.userId !== user.id || (roomId !== undefined && peer.roomId !== roomId)) throw new NotFoundError(`No peer connection ${body.pc_id}`)
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
        message: (text) => peer.channel.receive(text),
        heard: (packet, at) => peer.listening?.push(packet, at),
        recordingPath: () => join(roomRecordingsDir(config.RECORDINGS_DIR, roomId), `${pcId}-${new Date().toISOString().replace(/[:.]/g, '-')}.webm`),
      },
      logger,
    )
    peer.channel = new BotChannel({
      roomId,
      userId,
      send: (message) => peer.session.send(message),
      candidateSays: (text) => this.candidateSays(peer, text),
      disconnect: () => void this.close(peer, 'closed'),
    })
    let botSince = 0
    peer.session.audio.onSpeaking = (speaking) => {
      peer.channel.botSpeaking(speaking)
      if (speaking) botSince = Date.now()
      else this.recordTalk(peer, 'bot', new Date(botSince), Date.now() - botSince)
    }
    peer.bot = new InterviewBot(
      pcId,
      this.deps.interviewer(),
      {
        fact: (event) => peer.channel.fact(event),
        say: (text, sequence) => this.say(peer, text, sequence),
        reload: () => this.deps.runtime.load(roomId),
      },
      logger,
    )
    this.listen(peer)
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
      peer.channel.botJoined()
      await peer.bot.join(result.snapshot, result.version)
    } catch (err) {
      this.reportError(peer, err)
      await this.close(peer, 'closed')
    }
  }

  /** The candidate's typed message, in either protocol: a fact, or a Refusal to tell the peer. */
  private async candidateSays(peer: Peer, text: string): Promise<void> {
    const parsed = CandidateText.safeParse(text)
    if (!parsed.success) throw new Refusal('invalid_message', `text ${parsed.error.issues[0]?.message ?? 'is invalid'}`)
    if (!peer.joined) throw new Refusal('not_connected', 'The bot has not joined yet')
    // Every message is a fact in the room's log: a flood is refused, not stored.
    const now = Date.now()
    peer.said = peer.said.filter((at) => now - at < MESSAGE_WINDOW_MS)
    if (peer.said.length >= MESSAGES_PER_WINDOW) throw new Refusal('rate_limited', `At most ${MESSAGES_PER_WINDOW} messages per ${MESSAGE_WINDOW_MS / 1000} s`)
    peer.said.push(now)
    try {
      await this.execute(peer, { type: 'recordCandidateMessage', pc_id: peer.pcId, text: parsed.data })
    } catch (err) {
      throw this.refusal(peer, err)
    }
  }

  /** Speaking time, as a fact: the candidate's utterances as heard, the bot's audio as played. */
  private recordTalk(peer: Peer, speaker: 'candidate' | 'bot', startedAt: Date, durationMs: number): void {
    if (!peer.joined) return
    // The bot's audio goes out in 20 ms frames: its talk time is counted in them.
    const command = speaker === 'candidate' ? candidateTalk(peer.pcId, { start_ms: startedAt.getTime(), duration_ms: durationMs }) : botTalk(peer.pcId, startedAt.getTime(), Math.round(durationMs / 20))
    void this.execute(peer, command).catch((err: unknown) => this.deps.logger.debug({ err, pc_id: peer.pcId }, 'talk time not recorded'))
  }

  /** The bot's ears on this peer: barge-in, the candidate's speech to the client, transcripts as facts. */
  private listen(peer: Peer): void {
    const { ears, transcribe, logger } = this.deps
    if (!ears) return
    peer.listening = new Listening(
      transcribe,
      {
        started: () => {
          // Barge-in: the candidate talks over the bot, the bot stops.
          peer.session.audio.interrupt()
          peer.channel.userSpeaking(true)
        },
        stopped: () => peer.channel.userSpeaking(false),
        spoke: (startedAt, durationMs) => this.recordTalk(peer, 'candidate', startedAt, durationMs),
        said: (text, startedAt, durationMs) => this.candidateSpoke(peer, text, startedAt, durationMs),
      },
      logger,
    )
    peer.listening.start(ears).catch((err: unknown) => logger.warn({ err, pc_id: peer.pcId }, 'the bot cannot listen to this peer'))
  }

  /** A transcript of the candidate's speech: a fact like a typed message, and the transcript to the client. */
  private async candidateSpoke(peer: Peer, text: string, startedAt: Date, durationMs: number): Promise<void> {
    const parsed = CandidateText.safeParse(text)
    if (!parsed.success || !peer.joined) return
    const command = spokenMessage(peer.pcId, { start_ms: startedAt.getTime(), duration_ms: durationMs }, parsed.data)
    if (!command) return
    await this.execute(peer, command)
    peer.channel.transcription(parsed.data, startedAt)
  }

  private say(peer: Peer, text: string, sequence: number | null): void {
    const voice = this.deps.voice
    peer.channel.botSaid(text, sequence, voice !== null)
    // Chained, so turns are spoken in the order they were said even when one synthesizes slower.
    if (voice)
      peer.speech = peer.speech
        .then(() => voice.frames(text))
        .then((frames) => {
          if (frames.length > 0) peer.channel.botVoiced(text)
          peer.session.speak(frames)
        })
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
      if (reason !== 'failed') peer.channel.leaving()
      await peer.listening?.close()
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
    peer.channel.refused(this.refusal(peer, err))
  }

  private refusal(peer: Peer, err: unknown): Refusal {
    const refusal = toRefusal(err)
    if (refusal.code === 'internal_error') this.deps.logger.warn({ err, pc_id: peer.pcId, room_id: peer.roomId }, 'peer command failed')
    return refusal
  }
}
