import type { Logger } from '../../logger'
import { spokenDuration, type BotEvent, type Interviewer, type RoomView } from './interviewer'
import { presentPhase, ScriptedInterviewer } from './scripted-interviewer'

export interface LlmOptions {
  baseUrl: string
  apiKey?: string
  model: string
  timeoutMs: number
  logger: Logger
}

interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

/** Turns kept in the conversation sent with each request. */
const HISTORY = 40

/**
 * An interviewer backed by any OpenAI-compatible chat-completions endpoint. The room's phase
 * instructions and the injected notes are its system context, rebuilt for every request; the
 * conversation is the candidate's messages, the room's events and its own turns. When the
 * endpoint fails, the scripted interviewer answers instead, so the bot never goes silent.
 */
export class LlmInterviewer implements Interviewer {
  private readonly history: ChatMessage[] = []
  private readonly fallback = new ScriptedInterviewer()

  constructor(private readonly options: LlmOptions) {}

  async respond(event: BotEvent, room: RoomView): Promise<string | null> {
    const prompt = promptFor(event, room)
    if (prompt === null) return null
    this.remember({ role: 'user', content: prompt })
    let text: string
    try {
      text = await this.complete([{ role: 'system', content: systemContext(room) }, ...this.history])
    } catch (err) {
      this.options.logger.warn({ err, event: event.type }, 'the language model did not answer; the scripted interviewer speaks instead')
      text = (await this.fallback.respond(event, room)) ?? ''
    }
    if (!text) return null
    this.remember({ role: 'assistant', content: text })
    return text
  }

  private remember(message: ChatMessage): void {
    this.history.push(message)
    if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY)
  }

  private async complete(messages: ChatMessage[]): Promise<string> {
    const { baseUrl, apiKey, model, timeoutMs } = this.options
    const response = await fetch(`${baseUrl.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify({ model, messages, temperature: 0.7, max_tokens: 200 }),
      signal: AbortSignal.timeout(timeoutMs),
    })
    if (!response.ok) throw new Error(`chat completions answered ${response.status}: ${(await response.text()).slice(0, 200)}`)
    const body = (await response.json()) as { choices?: Array<{ message?: { content?: unknown } }> }
    const content = body.choices?.[0]?.message?.content
    if (typeof content !== 'string') throw new Error('chat completions answered without choices[0].message.content')
    return content.trim()
  }
}

/** The interviewer's standing orders: who it is, where the interview stands, what it was told. */
export function systemContext(room: RoomView): string {
  const lines = [
    `You are a friendly, professional interviewer running a mock interview titled "${room.title}".`,
    'Your words are spoken aloud: answer in at most three short sentences, plain text, no lists or markup.',
    'Ask one question at a time and follow up on what the candidate says.',
  ]
  const phase = room.phase
  if (phase) {
    lines.push(
      `Current part ${room.position} of ${room.total} (${phase.question_type ?? 'general'} question, ${spokenDuration(phase.duration_minutes)}): ${phase.question_text ?? phase.question_id}`,
      `Instructions for this part: ${phase.instructions}`,
    )
  }
  for (const note of room.notes) lines.push(`${note.kind === 'problem' ? 'Problem to give the candidate' : 'Context'}: ${note.text}`)
  return lines.join('\n')
}

/** The room's events become user turns describing what happened, so any chat model can follow. */
function promptFor(event: BotEvent, room: RoomView): string | null {
  switch (event.type) {
    case 'candidate_message':
      return event.text
    case 'joined':
      return `(The candidate joined. The interview is ${room.state}. Greet them${room.state === 'ready' ? '' : ` and present: ${presentPhase(room)}`})`
    case 'phase_started':
    case 'phase_changed':
      return `(The interview moved on. Present the new part: ${presentPhase(room)})`
    case 'phase_warning':
      return `(About ${spokenDuration(event.remaining_seconds / 60)} remain in this part. Nudge the candidate to wrap up.)`
    case 'timer_paused':
      return '(The interview is paused. Acknowledge briefly.)'
    case 'timer_resumed':
      return '(The interview resumes. Acknowledge briefly.)'
    case 'problem_injected':
      return `(A problem was added for the candidate: ${event.text} Present it.)`
    case 'context_injected':
      // In the system context from now on; nothing to say.
      return null
    case 'interview_completed':
      return '(The interview is over. Thank the candidate and close.)'
    default: {
      const never: never = event
      throw new Error(`unknown bot event ${(never as BotEvent).type}`)
    }
  }
}
