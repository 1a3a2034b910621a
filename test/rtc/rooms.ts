import { randomUUID } from 'node:crypto'
import { api, type TestUser } from '../support/http'

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
