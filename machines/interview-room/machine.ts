import { assign, setup } from 'xstate'
import { emptyContext, phaseDurationMs, type RoomContext } from './context'
import type { RoomFact } from './facts'

type Fact<T extends RoomFact['type']> = Extract<RoomFact, { type: T }>

/** Facts of the bot's bookkeeping, accepted while the interview is open: no state change. */
const BOOKKEEPING = {
  peer_connected: { guard: 'isNewPeer', actions: 'addPeer' },
  peer_disconnected: { guard: 'isConnectedPeer', actions: 'removePeer' },
  candidate_message: { actions: 'keep' },
  bot_message: { actions: 'keep' },
  talk_recorded: { actions: 'addTalk' },
  recording_saved: { actions: 'keep' },
} as const

/**
 * The interview room. Its events are the stored facts, so replaying a room's history through
 * this machine reproduces every state it had. Pure: no clock, no I/O — time arrives as `at`.
 */
export const interviewRoomMachine = setup({
  types: {
    context: {} as RoomContext,
    events: {} as RoomFact,
  },
  guards: {
    isNextPhase: ({ context, event }) =>
      event.type === 'phase_changed' && context.phases[context.index + 1]?.sequence === event.new_sequence,
    isFirstPhase: ({ context, event }) => event.type === 'phase_started' && context.phases[0]?.sequence === event.sequence,
    isCurrentPhase: ({ context, event }) => 'sequence' in event && context.phases[context.index]?.sequence === event.sequence,
    notYetWarned: ({ context, event }) =>
      !context.warned && context.warning_fraction !== null && 'sequence' in event && context.phases[context.index]?.sequence === event.sequence,
    isInterviewScope: ({ event }) => event.type === 'timer_reset' && event.scope === 'interview',
    isPhaseResetOfCurrent: ({ context, event }) =>
      event.type === 'timer_reset' && event.scope === 'phase' && context.phases[context.index]?.sequence === event.sequence,
    isNewPeer: ({ context, event }) => event.type === 'peer_connected' && !context.peers.includes(event.pc_id),
    isConnectedPeer: ({ context, event }) => event.type === 'peer_disconnected' && context.peers.includes(event.pc_id),
  },
  actions: {
    open: assign(({ event }) => {
      const e = event as Fact<'room_opened'>
      const phases = [...e.phases].sort((a, b) => a.sequence - b.sequence)
      return {
        ...emptyContext(),
        room_id: e.room_id,
        session_id: e.session_id,
        owner_id: e.owner_id,
        title: e.title,
        phases,
        warning_fraction: e.warning_fraction,
        remaining_ms: phases[0] ? phaseDurationMs(phases[0]) : 0,
        opened_at: e.at,
      }
    }),
    startFirstPhase: assign(({ context, event }) => {
      const e = event as Fact<'phase_started'>
      return { index: 0, deadline: e.deadline, warned: false, started_at: context.started_at ?? e.at, remaining_ms: phaseDurationMs(context.phases[0]!) }
    }),
    pause: assign(({ event }) => ({ remaining_ms: (event as Fact<'timer_paused'>).remaining_ms, deadline: null })),
    resume: assign(({ event }) => {
      const e = event as Fact<'timer_resumed'>
      return { remaining_ms: e.remaining_ms, deadline: e.deadline }
    }),
    resetPhase: assign(({ context, event }) => ({
      remaining_ms: phaseDurationMs(context.phases[context.index]!),
      deadline: (event as Fact<'timer_reset'>).deadline,
      warned: false,
    })),
    resetInterview: assign(({ context }) => ({
      index: 0,
      remaining_ms: context.phases[0] ? phaseDurationMs(context.phases[0]) : 0,
      deadline: null,
      warned: false,
    })),
    warn: assign({ warned: true }),
    nextPhase: assign(({ context, event }) => {
      const e = event as Fact<'phase_changed'>
      const index = context.index + 1
      return { index, remaining_ms: phaseDurationMs(context.phases[index]!), deadline: e.deadline, warned: false, transition_count: e.transition_count }
    }),
    note: assign(({ context, event }) => {
      const e = event as Fact<'problem_injected'> | Fact<'context_injected'>
      const note =
        e.type === 'problem_injected'
          ? { id: e.problem_id, kind: 'problem' as const, text: e.problem_text, type: e.problem_type, difficulty: e.difficulty, at: e.at }
          : { id: e.context_id, kind: 'context' as const, text: e.context_text, type: e.context_type, difficulty: null, at: e.at }
      return { notes: [...context.notes, note] }
    }),
    addPeer: assign(({ context, event }) => ({ peers: [...context.peers, (event as Fact<'peer_connected'>).pc_id] })),
    removePeer: assign(({ context, event }) => ({ peers: context.peers.filter((id) => id !== (event as Fact<'peer_disconnected'>).pc_id) })),
    addTalk: assign(({ context, event }) => {
      const e = event as Fact<'talk_recorded'>
      const key = e.speaker === 'candidate' ? 'candidate_ms' : 'bot_ms'
      const found = context.talk.some((t) => t.sequence === e.sequence)
      const talk = found ? context.talk : [...context.talk, { sequence: e.sequence, candidate_ms: 0, bot_ms: 0 }]
      return { talk: talk.map((t) => (t.sequence === e.sequence ? { ...t, [key]: t[key] + e.duration_ms } : t)) }
    }),
    /** The fact is history (a transcript line, a saved file): kept in the log, nothing in the room changes. */
    keep: () => undefined,
    complete: assign(({ event }) => {
      const e = event as Fact<'interview_completed'>
      return { completed_at: e.at, completion_reason: e.reason, deadline: null, remaining_ms: 0, transition_count: e.total_transitions }
    }),
  },
}).createMachine({
  id: 'interview-room',
  description: 'One interview room: runs a candidate plan of timed phases.',
  context: emptyContext,
  initial: 'unopened',
  states: {
    unopened: {
      description: 'No room yet: only room_opened is accepted.',
      on: { room_opened: { target: 'ready', actions: 'open' } },
    },
    ready: {
      description: 'Opened (or reset), waiting for timer/start at the first phase.',
      tags: ['open'],
      on: {
        phase_started: { target: 'in_progress.running', guard: 'isFirstPhase', actions: 'startFirstPhase' },
        problem_injected: { actions: 'note' },
        context_injected: { actions: 'note' },
        interview_completed: { target: 'completed', actions: 'complete' },
        ...BOOKKEEPING,
      },
    },
    in_progress: {
      description: 'A phase is under way.',
      tags: ['open'],
      initial: 'running',
      on: {
        timer_reset: { guard: 'isInterviewScope', target: 'ready', actions: 'resetInterview' },
        problem_injected: { actions: 'note' },
        context_injected: { actions: 'note' },
        interview_completed: { target: 'completed', actions: 'complete' },
        ...BOOKKEEPING,
      },
      states: {
        running: {
          description: "The phase clock runs; its deadline and warning are armed as durable timers.",
          tags: ['running'],
          on: {
            timer_paused: { target: 'paused', guard: 'isCurrentPhase', actions: 'pause' },
            phase_warning: { guard: 'notYetWarned', actions: 'warn' },
            phase_changed: { target: 'running', reenter: true, guard: 'isNextPhase', actions: 'nextPhase' },
            timer_reset: { guard: 'isPhaseResetOfCurrent', actions: 'resetPhase' },
          },
        },
        paused: {
          description: 'The phase clock is frozen; no timers are armed.',
          tags: ['paused'],
          on: {
            timer_resumed: { target: 'running', guard: 'isCurrentPhase', actions: 'resume' },
            phase_changed: { target: 'running', guard: 'isNextPhase', actions: 'nextPhase' },
            timer_reset: { guard: 'isPhaseResetOfCurrent', actions: 'resetPhase' },
          },
        },
      },
    },
    completed: {
      description:
        'The interview is over. Final for the interview: no interview fact is accepted any more, only the bookkeeping that may follow the end (a peer leaving, a recording saved, the bot\'s closing words and how long they took).',
      tags: ['final'],
      on: {
        peer_disconnected: BOOKKEEPING.peer_disconnected,
        bot_message: BOOKKEEPING.bot_message,
        talk_recorded: BOOKKEEPING.talk_recorded,
        recording_saved: BOOKKEEPING.recording_saved,
      },
    },
  },
})

export type InterviewRoomMachine = typeof interviewRoomMachine
