import { expect } from 'chai'
import { api, newUser, type TestUser } from '../support/http'
import { sleep } from '../support/runtime'
import { botClients, openBotRoom } from './rooms'

const isBot = (m: { type: string }) => m.type === 'bot_message'

describe('the interview bot on the data channel', () => {
  let user: TestUser
  const joined = botClients(() => user)
  const history = async (roomId: string) => (await api('GET', `/api/interview/${roomId}/history`, { token: user.token })).body.events as Array<{ type: string; data: Record<string, unknown> }>

  before(async () => {
    user = await newUser('bot')
  })

  it('greets on connect, then presents the phase when the timer starts', async () => {
    const roomId = await openBotRoom(user)
    const client = await joined(roomId)
    const greeting = await client.waitFor(isBot)
    expect(greeting.text).to.match(/^Hello, and welcome to Bot test\./)
    expect(greeting.phase).to.equal(null)
    const from = client.messages.length
    expect((await api('POST', `/api/interview/${roomId}/timer/start`, { token: user.token })).status).to.equal(200)
    const started = await client.waitFor((m) => m.type === 'phase_started', 10_000, from)
    expect(started.data).to.include({ sequence: 1, question_id: 'q1' })
    const presented = await client.waitFor(isBot, 10_000, from)
    expect(presented).to.include({ phase: 1 })
    expect(presented.text).to.include('Part 1 of 2: Reverse a linked list. Ask about complexity. You have 1 minute.')
  })

  it('stores a candidate message as a fact and answers it with a follow-up for the question type', async () => {
    const roomId = await openBotRoom(user)
    await api('POST', `/api/interview/${roomId}/timer/start`, { token: user.token })
    const client = await joined(roomId)
    await client.waitFor((m) => isBot(m) && String(m.text).includes('Part 1 of 2'))
    const from = client.messages.length
    client.send({ type: 'candidate_message', text: 'I would walk the list once, flipping pointers.' })
    const echoed = await client.waitFor((m) => m.type === 'candidate_message', 10_000, from)
    expect(echoed.data).to.include({ pc_id: client.pcId, text: 'I would walk the list once, flipping pointers.', sequence: 1 })
    const reply = await client.waitFor(isBot, 10_000, from)
    expect(reply.text).to.equal('Thanks. What are the time and space complexity of that approach?')
    const events = await history(roomId)
    expect(events.map((e) => e.type)).to.include.members(['peer_connected', 'candidate_message', 'bot_message'])
    expect(events.find((e) => e.type === 'candidate_message')!.data).to.include({ pc_id: client.pcId, sequence: 1 })
  })

  it('forwards a phase change made through the API, announces it, and closes on completion', async () => {
    const roomId = await openBotRoom(user)
    await api('POST', `/api/interview/${roomId}/timer/start`, { token: user.token })
    const client = await joined(roomId)
    await client.waitFor(isBot)
    let from = client.messages.length
    await api('POST', `/api/interview/${roomId}/phase/next`, { token: user.token })
    const changed = await client.waitFor((m) => m.type === 'phase_changed', 10_000, from)
    expect(changed.data).to.include({ previous_sequence: 1, new_sequence: 2, reason: 'skip' })
    expect((await client.waitFor(isBot, 10_000, from)).text).to.match(/^Time to move on\. Part 2 of 2: Tell me about a hard bug you fixed\./)
    from = client.messages.length
    await api('POST', '/api/inject-problem', { token: user.token, body: { room_id: roomId, problem_text: 'Find the cycle in a linked list' } })
    expect((await client.waitFor(isBot, 10_000, from)).text).to.equal('Here is a problem to work on: Find the cycle in a linked list.')
    from = client.messages.length
    await api('POST', `/api/interview/${roomId}/end`, { token: user.token })
    await client.waitFor((m) => m.type === 'interview_completed', 10_000, from)
    expect((await client.waitFor(isBot, 10_000, from)).text).to.match(/^That is the end of the interview/)
  })

  it('nudges on the phase warning and follows a phase change fired by the timer', async function () {
    this.timeout(20_000)
    const roomId = `bot-warn-${Date.now().toString(36)}`
    const phases = [
      { sequence: 1, question_id: 'q1', question_type: 'coding', question_text: 'Sum two numbers', duration_minutes: 0.05, instructions: 'Be quick' },
      { sequence: 2, question_id: 'q2', question_type: null, question_text: 'Any questions', duration_minutes: 1, instructions: 'Wrap up' },
    ]
    expect((await api('POST', '/api/start-interview', { token: user.token, body: { room_id: roomId, title: 'Quick', phases, warning_fraction: 0.5 } })).status).to.equal(201)
    const client = await joined(roomId)
    await client.waitFor(isBot)
    const from = client.messages.length
    await api('POST', `/api/interview/${roomId}/timer/start`, { token: user.token })
    const warning = await client.waitFor((m) => m.type === 'phase_warning', 10_000, from)
    expect(warning.data).to.include({ sequence: 1 })
    expect(await client.waitFor((m) => isBot(m) && String(m.text).startsWith('About'), 10_000, from)).to.include({ text: 'About 2 seconds left on this part. Please start wrapping up.', phase: 1 })
    expect((await client.waitFor((m) => m.type === 'phase_changed', 10_000, from)).data).to.include({ new_sequence: 2, reason: 'timer' })
    expect((await client.waitFor((m) => isBot(m) && String(m.text).startsWith('Time to move on'), 10_000, from)).phase).to.equal(2)
  })

  it('answers ping with pong and a malformed message with an error, without storing either', async () => {
    const roomId = await openBotRoom(user)
    const client = await joined(roomId)
    await client.waitFor(isBot)
    client.send({ type: 'ping' })
    await client.waitFor((m) => m.type === 'pong')
    client.channel.send('ping: 1')
    client.send({ type: 'candidate_message', text: '' })
    expect(await client.waitFor((m) => m.type === 'error')).to.include({ code: 'invalid_message' })
    const from = client.messages.length
    client.send({ type: 'candidate_message', text: 'nul \u0000 here' })
    expect(await client.waitFor((m) => m.type === 'error', 5_000, from)).to.include({ code: 'invalid_message' })
    await sleep(100)
    expect((await history(roomId)).map((e) => e.type)).to.not.include('candidate_message')
  })

  it('refuses a flood of candidate messages beyond 10 in 10 s, storing only those allowed', async () => {
    const roomId = await openBotRoom(user)
    const client = await joined(roomId)
    await client.waitFor(isBot)
    for (let i = 0; i < 12; i++) client.send({ type: 'candidate_message', text: `message ${i}` })
    expect(await client.waitFor((m) => m.type === 'error')).to.include({ code: 'rate_limited' })
    for (let i = 0; i < 100 && (await history(roomId)).filter((e) => e.type === 'candidate_message').length < 10; i++) await sleep(50)
    await sleep(200)
    expect((await history(roomId)).filter((e) => e.type === 'candidate_message')).to.have.length(10)
  })

  it('shows the peer and the bot in /api/status and /api/connections/status, and records the peer leaving', async () => {
    const roomId = await openBotRoom(user)
    const client = await joined(roomId)
    await client.waitFor(isBot)
    const status = await api('GET', `/api/status/${roomId}`, { token: user.token })
    expect(status.body.connection).to.deep.equal({ peers: 1, pc_ids: [client.pcId] })
    expect(status.body.bot).to.deep.equal({ status: 'active' })
    let room: { peers: number; bot_status: string } | undefined
    for (let i = 0; i < 100 && room?.peers !== 1; i++, await sleep(50)) {
      room = (await api('GET', '/api/connections/status', { token: user.token })).body.rooms.find((r: { room_id: string }) => r.room_id === roomId)
    }
    expect(room).to.include({ peers: 1, bot_status: 'active' })
    client.channel.close()
    for (let i = 0; i < 100 && !(await history(roomId)).some((e) => e.type === 'peer_disconnected'); i++) await sleep(50)
    expect((await history(roomId)).find((e) => e.type === 'peer_disconnected')!.data).to.include({ pc_id: client.pcId, reason: 'closed' })
    expect((await api('GET', `/api/status/${roomId}`, { token: user.token })).body.bot).to.deep.equal({ status: 'idle' })
  })
})
