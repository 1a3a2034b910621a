import { expect } from 'chai'
import { interviewRoomMachine, roomState, type RoomCommand, type RoomCommandType, type RoomState } from '../../../machines/interview-room/index'
import { cmd, expectRefused, rooms, when } from './room.fixtures'

/** What each state does with each command: the fact types it produces, or a refusal. */
type Outcome = string[] | 'refused'

const COMMANDS: Array<[label: string, command: RoomCommand, ms: number]> = [
  ['openRoom', cmd.open(), 20_000],
  ['startTimer', cmd.start, 20_000],
  ['pauseTimer', cmd.pause, 20_000],
  ['resumeTimer', cmd.resume, 20_000],
  ['resetTimer phase', cmd.resetPhase, 20_000],
  ['resetTimer interview', cmd.resetInterview, 20_000],
  ['skipPhase', cmd.skip, 20_000],
  ['endInterview', cmd.end, 20_000],
  ['injectProblem', cmd.problem, 20_000],
  ['injectContext', cmd.context, 20_000],
  // The first phase of a room started at 0: deadline at 60 s, warning at 80 % = 48 s.
  ['timerDue deadline', cmd.deadline(10, 60_000), 60_000],
  ['timerDue warning', cmd.warning(10, 48_000), 48_000],
  ['connectPeer', cmd.connect('pc-new'), 20_000],
  ['disconnectPeer of a connected peer', cmd.disconnect('pc-1'), 20_000],
  ['recordCandidateMessage', cmd.candidateSays('pc-1'), 20_000],
  ['recordBotMessage', cmd.botSays('pc-1'), 20_000],
  ['recordTalk', cmd.talk('pc-1', 'candidate', 18_000, 1_500), 20_000],
  ['saveRecording', cmd.saveRecording('pc-1'), 20_000],
]

const BOT: RoomCommandType[] = ['connectPeer', 'disconnectPeer', 'recordCandidateMessage', 'recordBotMessage', 'recordTalk', 'saveRecording']
const BOT_FACTS: Outcome[] = [['peer_connected'], ['peer_disconnected'], ['candidate_message'], ['bot_message'], ['talk_recorded'], ['recording_saved']]

const EXPECTED: Record<RoomState, { allowed: RoomCommandType[]; then: Outcome[]; after: (RoomState | null)[] }> = {
  unopened: {
    allowed: ['openRoom'],
    then: [['room_opened'], 'refused', 'refused', 'refused', 'refused', 'refused', 'refused', 'refused', 'refused', 'refused', [], [], 'refused', 'refused', 'refused', 'refused', 'refused', 'refused'],
    after: ['ready', null, null, null, null, null, null, null, null, null, 'unopened', 'unopened', null, null, null, null, null, null],
  },
  ready: {
    allowed: ['startTimer', 'endInterview', 'injectProblem', 'injectContext', ...BOT],
    then: ['refused', ['phase_started'], 'refused', 'refused', 'refused', 'refused', 'refused', ['interview_completed'], ['problem_injected'], ['context_injected'], [], [], ...BOT_FACTS],
    after: [null, 'running', null, null, null, null, null, 'completed', 'ready', 'ready', 'ready', 'ready', 'ready', 'ready', 'ready', 'ready', 'ready', 'ready'],
  },
  running: {
    allowed: ['pauseTimer', 'resetTimer', 'skipPhase', 'endInterview', 'injectProblem', 'injectContext', 'timerDue', ...BOT],
    then: [
      'refused',
      'refused',
      ['timer_paused'],
      'refused',
      ['timer_reset'],
      ['timer_reset'],
      ['phase_changed'],
      ['interview_completed'],
      ['problem_injected'],
      ['context_injected'],
      ['phase_changed'],
      ['phase_warning'],
      ...BOT_FACTS,
    ],
    after: [null, null, 'paused', null, 'running', 'ready', 'running', 'completed', 'running', 'running', 'running', 'running', 'running', 'running', 'running', 'running', 'running', 'running'],
  },
  paused: {
    allowed: ['startTimer', 'resumeTimer', 'resetTimer', 'skipPhase', 'endInterview', 'injectProblem', 'injectContext', ...BOT],
    then: [
      'refused',
      ['timer_resumed'],
      'refused',
      ['timer_resumed'],
      ['timer_reset'],
      ['timer_reset'],
      ['phase_changed'],
      ['interview_completed'],
      ['problem_injected'],
      ['context_injected'],
      // Paused: its timers were cancelled, so one that fires anyway is stale.
      [],
      [],
      ...BOT_FACTS,
    ],
    after: [null, 'running', null, 'running', 'paused', 'ready', 'running', 'completed', 'paused', 'paused', 'paused', 'paused', 'paused', 'paused', 'paused', 'paused', 'paused', 'paused'],
  },
  completed: {
    // Final for the interview; only the bookkeeping that may follow the end is accepted.
    allowed: ['disconnectPeer', 'recordBotMessage', 'recordTalk', 'saveRecording'],
    then: ['refused', 'refused', 'refused', 'refused', 'refused', 'refused', 'refused', 'refused', 'refused', 'refused', [], [], 'refused', ['peer_disconnected'], 'refused', ['bot_message'], ['talk_recorded'], ['recording_saved']],
    after: [null, null, null, null, null, null, null, null, null, null, 'completed', 'completed', null, 'completed', null, 'completed', 'completed', 'completed'],
  },
}

describe('interview room: every command in every state', () => {
  for (const [state, expected] of Object.entries(EXPECTED) as Array<[RoomState, (typeof EXPECTED)[RoomState]]>) {
    describe(`given a ${state} room`, () => {
      COMMANDS.forEach(([label, command, ms], i) => {
        const outcome = expected.then[i]!
        if (outcome === 'refused') {
          it(`refuses ${label}, naming the state and the allowed commands`, () => {
            expectRefused(rooms[state](), command, state, expected.allowed)
          })
          return
        }
        const produces = outcome.length ? outcome.join(', ') : 'no facts'
        it(`${label} produces ${produces} and leaves the room ${expected.after[i]}`, () => {
          const room = rooms[state]()
          const { facts, after } = when(room, ms, command)
          expect(facts.map((f) => f.type)).to.deep.equal(outcome)
          expect(roomState(after)).to.equal(expected.after[i])
          if (!outcome.length) expect(after).to.equal(room)
        })
      })
    })
  }

  it('names every leaf state of the machine by its own name, as the machine itself matches it', () => {
    const leaves: string[][] = []
    const visit = (node: { path: string[]; states: Record<string, unknown> }) => {
      const children = Object.values(node.states) as Array<typeof node>
      if (children.length === 0) leaves.push(node.path)
      children.forEach(visit)
    }
    visit(interviewRoomMachine.root)
    expect(leaves.map((path) => path.join('.'))).to.include.members(['unopened', 'ready', 'in_progress.running', 'in_progress.paused', 'completed'])
    for (const path of leaves) {
      const value = path.reduceRight<unknown>((inner, key) => (inner === undefined ? key : { [key]: inner }), undefined)
      const snapshot = interviewRoomMachine.resolveState({ value: value as never, context: rooms.ready().context })
      const name = path[path.length - 1]!
      expect(snapshot.matches(value as never), path.join('.')).to.equal(true)
      expect(roomState(snapshot), path.join('.')).to.equal(name)
    }
  })

  it('the refusal message lists the allowed commands but not the internal timerDue', () => {
    expect(() => when(rooms.running(), 0, cmd.start)).to.throw('startTimer is not allowed while the room is running; allowed: pauseTimer, resetTimer, skipPhase, endInterview, injectProblem, injectContext')
    expect(() => when(rooms.completed(), 0, cmd.start)).to.throw('allowed: none')
  })
})
