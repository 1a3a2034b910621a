import { expect } from 'chai'
import { api, newAdmin, newUser, type Reply, type TestUser } from '../support/http'
import { expectFieldError, newRoomId, openRoom, roomPath, storedEvents } from '../support/rooms'

type Call = (roomId: string, token?: string) => Promise<Reply>

const get = (suffix: string): Call => (roomId, token) => api('GET', roomPath(roomId, suffix), { token })
const post = (suffix: string, body?: unknown): Call => (roomId, token) => api('POST', roomPath(roomId, suffix), { token, body })

/** Every endpoint that addresses one room, by path or by body. */
const endpoints: Array<[string, Call]> = [
  ['GET timer/status', get('timer/status')],
  ['GET history', get('history')],
  ['GET state?version=1', get('state?version=1')],
  ['GET /api/status/{room_id}', (roomId, token) => api('GET', `/api/status/${roomId}`, { token })],
  ['POST timer/start', post('timer/start')],
  ['POST timer/pause', post('timer/pause')],
  ['POST timer/resume', post('timer/resume')],
  ['POST timer/reset', post('timer/reset', { scope: 'interview' })],
  ['POST phase/next', post('phase/next')],
  ['POST end', post('end')],
  ['POST stream-token', post('stream-token')],
  ['POST /api/inject-problem', (roomId, token) => api('POST', '/api/inject-problem', { token, body: { room_id: roomId, problem_text: 'Two sum' } })],
  ['POST /api/inject-custom-context', (roomId, token) => api('POST', '/api/inject-custom-context', { token, body: { room_id: roomId, context_text: 'Senior role' } })],
]

describe('who may address an interview room', () => {
  let owner: TestUser
  let roomId: string
  before(async () => {
    owner = await newUser('owner')
    roomId = (await openRoom(owner)).roomId
  })

  for (const [name, call] of endpoints) {
    describe(name, () => {
      it('returns 404 for a room that does not exist', async () => {
        const unknown = newRoomId()
        const reply = await call(unknown, owner.token)
        expect(reply.status, reply.text).to.equal(404)
        expect(reply.body.error.code).to.equal('not_found')
        expect(await storedEvents(unknown)).to.equal(0)
      })

      it("returns 404, not 403, for another user's room, and changes nothing", async () => {
        const intruder = await newUser('intruder')
        const before = await storedEvents(roomId)
        const reply = await call(roomId, intruder.token)
        expect(reply.status, reply.text).to.equal(404)
        expect(reply.body.error.code).to.equal('not_found')
        expect(reply.text).to.not.include(owner.id)
        expect(await storedEvents(roomId)).to.equal(before)
      })

      it('returns 401 without a token, and changes nothing', async () => {
        const before = await storedEvents(roomId)
        const reply = await call(roomId)
        expect(reply.status, reply.text).to.equal(401)
        expect(reply.body.error.code).to.equal('unauthorized')
        expect(await storedEvents(roomId)).to.equal(before)
      })

      it('returns 400 naming room_id for an id with characters outside [A-Za-z0-9_-]', async () => {
        expectFieldError(await call('bad%20room', owner.token), 'room_id')
        expectFieldError(await call('r'.repeat(65), owner.token), 'room_id')
      })
    })
  }
})

describe("an admin and another user's room", () => {
  it('sees it and may run every command on it', async () => {
    const [owner, admin] = [await newUser('owner'), await newAdmin()]
    const { roomId } = await openRoom(owner)
    for (const [name, call] of endpoints.filter(([n]) => n.startsWith('GET'))) {
      expect((await call(roomId, admin.token)).status, name).to.equal(200)
    }
    const sequence: Array<[string, unknown]> = [
      ['timer/start', undefined],
      ['timer/pause', undefined],
      ['timer/resume', undefined],
      ['timer/reset', { scope: 'phase' }],
      ['phase/next', undefined],
      ['timer/reset', { scope: 'interview' }],
      ['end', undefined],
    ]
    for (const [suffix, body] of sequence) {
      const reply = await api('POST', roomPath(roomId, suffix), { token: admin.token, body })
      expect(reply.status, `${suffix}: ${reply.text}`).to.equal(200)
    }
    expect(await storedEvents(roomId)).to.equal(1 + sequence.length)
    const history = await api('GET', roomPath(roomId, 'history'), { token: owner.token })
    expect(history.body.events.slice(1).every((e: { metadata: { user_id: string } }) => e.metadata.user_id === admin.id)).to.equal(true)
  })

  it('may inject a problem and context into it', async () => {
    const [owner, admin] = [await newUser('owner'), await newAdmin()]
    const { roomId } = await openRoom(owner)
    expect((await endpoints.find(([n]) => n.includes('inject-problem'))![1](roomId, admin.token)).status).to.equal(200)
    expect((await endpoints.find(([n]) => n.includes('inject-custom-context'))![1](roomId, admin.token)).status).to.equal(200)
  })
})
