import type { Phase } from '../../../machines/interview-room'
import { spokenDuration, type BotEvent, type Interviewer, type RoomView } from './interviewer'

type Kind = 'coding' | 'design' | 'behavioral' | 'general'

/** Follow-up questions by question type, asked in turn. */
const FOLLOW_UPS: Record<Kind, string[]> = {
  coding: [
    'What are the time and space complexity of that approach?',
    'How would you test it? Which edge cases worry you?',
    'Could you walk me through the code step by step?',
    'Is there a simpler or faster way to do it?',
  ],
  design: [
    'How would that hold up at ten times the traffic?',
    'Where are the single points of failure?',
    'What would you store, and where?',
    'How would you know it is healthy in production?',
  ],
  behavioral: [
    'What was your own part in that, specifically?',
    'How did you measure the result?',
    'What would you do differently today?',
    'How did the people around you react?',
  ],
  general: ['Can you say more about that?', 'Why that approach?', 'What trade-offs do you see?', 'How would you check that it works?'],
}

const ACKNOWLEDGEMENTS = ['Thanks.', 'Got it.', 'Okay, I see.', 'Understood.']

function kindOf(phase: Phase | null): Kind {
  const type = (phase?.question_type ?? '').toLowerCase()
  if (/cod|algo|technical|programming/.test(type)) return 'coding'
  if (/design|architect|system/.test(type)) return 'design'
  if (/behav|culture|situation|experience/.test(type)) return 'behavioral'
  return 'general'
}

/** Presents a phase: its question and instructions, and the time it has. */
export function presentPhase(room: RoomView): string {
  const phase = room.phase
  if (!phase) return 'There are no questions in this plan.'
  const question = phase.question_text ?? `question ${phase.question_id}`
  const instructions = phase.instructions ? ` ${sentence(phase.instructions)}` : ''
  return `Part ${room.position} of ${room.total}: ${sentence(question)}${instructions} You have ${spokenDuration(phase.duration_minutes)}.`
}

const sentence = (text: string): string => {
  const trimmed = text.trim()
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`
}

/** The default interviewer: templates only, needs nothing from outside. */
export class ScriptedInterviewer implements Interviewer {
  private turns = 0

  async respond(event: BotEvent, room: RoomView): Promise<string | null> {
    switch (event.type) {
      case 'joined': {
        const hello = `Hello, and welcome to ${room.title}. I am your interviewer today.`
        if (room.state === 'ready') return `${hello} There are ${room.total} parts; we begin when the timer starts.`
        if (room.state === 'completed') return `${hello} This interview has already ended.`
        return `${hello} ${presentPhase(room)}`
      }
      case 'phase_started':
        return `Let's begin. ${presentPhase(room)}`
      case 'phase_changed':
        return `Time to move on. ${presentPhase(room)}`
      case 'phase_warning':
        return `About ${spokenDuration(event.remaining_seconds / 60)} left on this part. Please start wrapping up.`
      case 'timer_paused':
        return "Let's take a short pause. The clock is stopped."
      case 'timer_resumed':
        return "Welcome back. Let's continue."
      case 'candidate_message':
        return this.followUp(room)
      case 'problem_injected':
        return `Here is a problem to work on: ${sentence(event.text)}`
      case 'context_injected':
        // Context is for the interviewer: it shapes the conversation without being read out.
        return null
      case 'interview_completed':
        return 'That is the end of the interview. Thank you for your time, and good luck!'
      default: {
        const never: never = event
        throw new Error(`unknown bot event ${(never as BotEvent).type}`)
      }
    }
  }

  private followUp(room: RoomView): string {
    const questions = FOLLOW_UPS[kindOf(room.phase)]
    const turn = this.turns++
    return `${ACKNOWLEDGEMENTS[turn % ACKNOWLEDGEMENTS.length]} ${questions[turn % questions.length]}`
  }
}
