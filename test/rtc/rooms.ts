import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { api, type TestUser } from '../support/http'
import { BotClient } from './bot-client'

/** Opens a room with short phases for the bot tests; returns its id. */
export async function openBotRoom(user: TestUser, minutes = [1, 1], baseUrl?: string): Promise<string> {
  const room_id = `bot-${randomUUID().slice(0, 12)}`
  const phases = minutes.map((duration_minutes, i) => ({
    sequence: i + 1,
    question_id: `q${i + 1}`,
    question_type: i === 0 ? 'coding' : 'behavioral',
    question_text: i === 0 ? 'Reverse a linked list' : 'Tell me about a hard bug you fixed',
    duration_minutes,
    instructions: i === 0 ? 'Ask about complexity' : 'Dig into their own part',
  }))
  const reply = await api('POST', '/api/start-interview', { token: user.token, body: { room_id, title: 'Bot test', phases }, baseUrl })
  if (reply.status !== 201) throw new Error(`start-interview: ${reply.status} ${reply.text}`)
  return room_id
}

/** A fresh user on another instance of the service (the shared helpers talk to the shared one). */
export async function newUserOn(baseUrl: string, prefix = 'rtc'): Promise<TestUser> {
  const tag = randomUUID().slice(0, 8)
  const credentials = { email: `${prefix}-${tag}@example.com`, password: 'correct horse battery' }
  const registered = await api('POST', '/api/v1/auth/register', { body: { ...credentials, username: `${prefix}_${tag}` }, baseUrl })
  const login = await api('POST', '/api/v1/auth/login', { body: credentials, baseUrl })
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`)
  return { id: registered.body.id, email: credentials.email, username: `${prefix}_${tag}`, password: credentials.password, token: login.body.access_token }
}

/**
 * Call in a describe block: returns `joined(roomId)`, which connects a bot client as the user and
 * waits for the peer to connect; every client it made is closed after each test.
 */
export function botClients(user: () => TestUser): (roomId: string) => Promise<BotClient> {
  const clients: BotClient[] = []
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()))
  })
  return async (roomId) => {
    const client = new BotClient()
    clients.push(client)
    const reply = await client.join(user().token, roomId)
    expect(reply.status, reply.text).to.equal(200)
    await client.connected()
    return client
  }
}
