import { expect } from 'chai'
import { api, newUser, type Reply, type TestUser } from '../support/http'
import { expectRefused, openRoom, roomCommand, runningRoom, storedEvents } from '../support/rooms'

type Command = [label: string, send: (user: TestUser, roomId: string) => Promise<Reply>]

const post = (suffix: string, body?: unknown): Command => [
  `${suffix}${body ? ` ${JSON.stringify(body)}` : ''}`,
  (user, roomId) => roomCommand(user, roomId, suffix, body),
]
const inject = (path: string, field: string): Command => [path, (user, roomId) => api('POST', path, { token: user.token, body: { room_id: roomId, [field]: 'late' } })]

const [start, pause, resume, resetPhase, resetInterview, next, end] = [
  post('timer/start'),
  post('timer/pause'),
  post('timer/resume'),
  post('timer/reset', { scope: 'phase' }),
  post('timer/reset', { scope: 'interview' }),
  post('phase/next'),
  post('end'),
]
const injectProblem = inject('/api/inject-problem', 'problem_text')
const injectContext = inject('/api/inject-custom-context', 'context_text')

async function pausedRoom(user: TestUser) {
  const room = await runningRoom(user)
  await roomCommand(user, room.roomId, 'timer/pause')
  return room
}

async function completedRoom(user: TestUser) {
  const room = await runningRoom(user)
  await roomCommand(user, room.roomId, 'end')
  return room
}

const cases: Array<{ state: string; open: (user: TestUser) => Promise<{ roomId: string }>; refused: Command[]; allowed: string[] }> = [
  {
    state: 'ready',
    open: openRoom,
    refused: [pause, resume, resetPhase, resetInterview, next],
    allowed: ['startTimer', 'endInterview', 'injectProblem', 'injectContext'],
  },
  {
    state: 'running',
    open: runningRoom,
    refused: [start, resume],
    allowed: ['pauseTimer', 'resetTimer', 'skipPhase', 'endInterview', 'injectProblem', 'injectContext'],
  },
  {
    state: 'paused',
    open: pausedRoom,
    refused: [pause],
    allowed: ['startTimer', 'resumeTimer', 'resetTimer', 'skipPhase', 'endInterview', 'injectProblem', 'injectContext'],
  },
  {
    state: 'completed',
    open: completedRoom,
    refused: [start, pause, resume, resetPhase, resetInterview, next, end, injectProblem, injectContext],
    allowed: [],
  },
]

describe('room commands the state does not allow', () => {
  for (const { state, open, refused, allowed } of cases) {
    for (const [label, send] of refused) {
      it(`${label} while ${state} is 409 invalid_state naming ${state} and its commands, and appends nothing`, async () => {
        const user = await newUser('refused')
        const { roomId } = await open(user)
        const before = await storedEvents(roomId)
        const reply = await send(user, roomId)
        expectRefused(reply, state, allowed)
        expect(reply.body.error.message).to.include(state)
        expect(await storedEvents(roomId)).to.equal(before)
      })
    }
  }

  it('never offers internal commands (timers, the bot) as allowed', async () => {
    const user = await newUser('refused')
    const { roomId } = await runningRoom(user)
    const reply = await roomCommand(user, roomId, 'timer/start')
    expect(reply.body.error.details.allowed_commands).to.not.include('timerDue')
    expect(reply.body.error.details.allowed_commands.some((c: string) => /peer|message|recording/i.test(c))).to.equal(false)
  })
})
