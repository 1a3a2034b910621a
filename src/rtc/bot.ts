import type { Logger } from '../logger'
import type { StoredEvent } from '../event-store'
import { applyFact, currentPhase, type RoomFact, type RoomSnapshot } from '../../machines/interview-room'
import { factOf } from '../rooms/room-facts.schema'
import { roomView, type BotEvent, type Interviewer } from './interviewers/interviewer'

export interface BotOutput {
  /** A room fact, forwarded to the peer as `{type, data}`. */
  fact(event: StoredEvent): void
  /** One of the bot's turns: to the data channel, the voice, and the room's history. */
  say(text: string, sequence: number | null): void
  /** The bot lost track of the room (a gap in what it was sent): bring it up to date. */
  reload(): Promise<{ snapshot: RoomSnapshot; version: number }>
}

/**
 * The interview bot for one peer. It follows the room by folding the room's facts, as the log
 * delivers them, into its own copy of the room, and asks its interviewer what to say about each.
 * Events are handled one at a time, in stream order.
 */
export class InterviewBot {
  private snapshot?: RoomSnapshot
  private version = 0
  private pending: StoredEvent[] = []
  private chain: Promise<void> = Promise.resolve()

  constructor(
    readonly pcId: string,
    private readonly interviewer: Interviewer,
    private readonly output: BotOutput,
    private readonly logger: Logger,
  ) {}

  /** The peer joined at this version of the room: greet, then follow the facts after it. */
  join(snapshot: RoomSnapshot, version: number): Promise<void> {
    this.snapshot = snapshot
    this.version = version
    const early = this.pending.splice(0)
    this.enqueue(() => this.speak({ type: 'joined' }))
    for (const event of early) this.deliver(event)
    return this.chain
  }

  /** A room event from the log; ones before the bot joined are skipped. */
  deliver(event: StoredEvent): void {
    if (!this.snapshot) {
      this.pending.push(event)
      return
    }
    this.enqueue(() => this.handle(event))
  }

  /** Resolves when everything delivered so far is handled. */
  idle(): Promise<void> {
    return this.chain
  }

  private enqueue(work: () => Promise<void>): void {
    this.chain = this.chain.then(work).catch((err: unknown) => this.logger.warn({ err, pc_id: this.pcId }, 'the bot could not handle a room event'))
  }

  private async handle(event: StoredEvent): Promise<void> {
    if (event.stream_position <= this.version) return
    if (event.stream_position > this.version + 1) {
      const fresh = await this.output.reload()
      this.snapshot = fresh.snapshot
      this.version = fresh.version
      if (event.stream_position <= this.version) return this.react(event)
    }
    const fact = factOf(event)
    this.snapshot = applyFact(this.snapshot!, fact)
    this.version = event.stream_position
    await this.react(event, fact)
  }

  private async react(event: StoredEvent, fact: RoomFact = factOf(event)): Promise<void> {
    if (fact.type !== 'bot_message') this.output.fact(event)
    const heard = botEvent(fact, this.pcId)
    if (heard) await this.speak(heard)
  }

  private async speak(event: BotEvent): Promise<void> {
    const snapshot = this.snapshot!
    const text = await this.interviewer.respond(event, roomView(snapshot))
    if (!text) return
    const running = snapshot.matches('in_progress')
    this.output.say(text, running ? (currentPhase(snapshot.context)?.sequence ?? null) : null)
  }
}

/** What the bot makes of a fact: something to respond to, or nothing. */
function botEvent(fact: RoomFact, pcId: string): BotEvent | null {
  switch (fact.type) {
    case 'phase_started':
    case 'phase_changed':
    case 'timer_paused':
    case 'timer_resumed':
    case 'interview_completed':
      return { type: fact.type }
    case 'phase_warning':
      return { type: 'phase_warning', remaining_seconds: fact.remaining_ms / 1000 }
    case 'problem_injected':
      return { type: 'problem_injected', text: fact.problem_text }
    case 'context_injected':
      return { type: 'context_injected', text: fact.context_text }
    case 'candidate_message':
      // Each peer's bot answers its own candidate.
      return fact.pc_id === pcId ? { type: 'candidate_message', text: fact.text } : null
    default:
      return null
  }
}
