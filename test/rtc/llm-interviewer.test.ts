import { expect } from 'chai'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startService } from '../../src/service'
import { LlmInterviewer } from '../../src/rtc/interviewers/llm-interviewer'
import type { RoomView } from '../../src/rtc/interviewers/interviewer'
import { testConfig, ctx } from '../support/context'
import { api } from '../support/http'
import { quietLogger } from '../support/runtime'
import { BotClient } from './bot-client'
import { newUserOn, openBotRoom } from './rooms'

interface ChatRequest {
  headers: IncomingMessage['headers']
  body: { model: string; messages: Array<{ role: string; content: string }> }
}

/** A small server speaking the chat-completions protocol: answers with `reply` (or `status`), records each request. */
async function chatServer(reply: (n: number) => string, status = 200): Promise<{ url: string; requests: ChatRequest[]; server: Server }> {
  const requests: ChatRequest[] = []
  const server = createServer((req, res) => {
    let raw = ''
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()))
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end()
        return
      }
      requests.push({ headers: req.headers, body: JSON.parse(raw) })
      const content = reply(requests.length)
      const body =
        status === 200
          ? { id: `chatcmpl-${requests.length}`, object: 'chat.completion', created: 0, model: 'test-model', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }
          : { error: { message: 'overloaded', type: 'server_error' } }
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests, server }
}

const ROOM: RoomView = {
  title: 'Backend interview',
  state: 'running',
  phase: { sequence: 1, question_id: 'q1', question_type: 'coding', question_text: 'Design an LRU cache', duration_minutes: 10, instructions: 'Push for O(1) operations' },
  position: 1,
  total: 2,
  notes: [],
}

describe('the LLM interviewer (OpenAI-compatible chat completions)', () => {
  const servers: Server[] = []
  after(() => servers.forEach((s) => s.close()))

  it('sends the phase instructions and every injected note as system context, and keeps the conversation', async () => {
    const chat = await chatServer((n) => `Answer ${n}.`)
    servers.push(chat.server)
    const interviewer = new LlmInterviewer({ baseUrl: chat.url, apiKey: 'sk-test', model: 'test-model', timeoutMs: 5_000, logger: quietLogger })
    expect(await interviewer.respond({ type: 'joined' }, ROOM)).to.equal('Answer 1.')
    const notes = [
      { id: 'p1', kind: 'problem' as const, text: 'Add a TTL to entries', type: null, difficulty: 'hard', at: '2025-01-01T00:00:00Z' },
      { id: 'c1', kind: 'context' as const, text: 'Candidate knows Go best', type: null, difficulty: null, at: '2025-01-01T00:00:01Z' },
    ]
    expect(await interviewer.respond({ type: 'context_injected', text: 'Candidate knows Go best' }, { ...ROOM, notes })).to.equal(null)
    expect(await interviewer.respond({ type: 'candidate_message', text: 'A hash map plus a doubly linked list.' }, { ...ROOM, notes })).to.equal('Answer 2.')

    expect(chat.requests).to.have.length(2)
    const [first, second] = chat.requests
    expect(first!.headers.authorization).to.equal('Bearer sk-test')
    expect(first!.body.model).to.equal('test-model')
    const system = second!.body.messages[0]!
    expect(system.role).to.equal('system')
    expect(system.content).to.include('Design an LRU cache').and.include('Push for O(1) operations').and.include('Backend interview')
    expect(system.content).to.include('Problem to give the candidate: Add a TTL to entries').and.include('Context: Candidate knows Go best')
    expect(system.content.indexOf('Add a TTL')).to.be.lessThan(system.content.indexOf('knows Go'))
    expect(second!.body.messages.slice(1).map((m) => m.role)).to.deep.equal(['user', 'assistant', 'user'])
    expect(second!.body.messages.at(-1)!.content).to.equal('A hash map plus a doubly linked list.')
    expect(second!.body.messages[2]!.content).to.equal('Answer 1.')
  })

  it('falls back to the scripted interviewer when the endpoint fails', async () => {
    const chat = await chatServer(() => '', 503)
    servers.push(chat.server)
    const interviewer = new LlmInterviewer({ baseUrl: chat.url, model: 'test-model', timeoutMs: 5_000, logger: quietLogger })
    expect(await interviewer.respond({ type: 'phase_changed' }, ROOM)).to.equal('Time to move on. Part 1 of 2: Design an LRU cache. Push for O(1) operations. You have 10 minutes.')
    expect(chat.requests[0]!.headers.authorization).to.equal(undefined)
  })

  it('speaks through the bot when INTERVIEWER=llm', async function () {
    this.timeout(20_000)
    const chat = await chatServer((n) => (n === 1 ? 'Welcome! Shall we start?' : 'Tell me more about the list.'))
    servers.push(chat.server)
    const service = await startService(testConfig({ INTERVIEWER: 'llm', LLM_BASE_URL: chat.url, LLM_MODEL: 'test-model', SPEECH: 'none' }), { database: ctx().database })
    const client = new BotClient()
    try {
      const user = await newUserOn(service.url, 'llm')
      const roomId = await openBotRoom(user, [1], service.url)
      const sdp = await client.offer()
      const reply = await api('POST', `/api/offer?room_id=${roomId}`, { token: user.token, body: { sdp, type: 'offer' }, baseUrl: service.url })
      await client.pc.setRemoteDescription({ type: 'answer', sdp: reply.body.sdp })
      expect((await client.waitFor((m) => m.type === 'bot_message')).text).to.equal('Welcome! Shall we start?')
      client.send({ type: 'candidate_message', text: 'I would use a list.' })
      expect((await client.waitFor((m) => m.type === 'bot_message' && m.text !== 'Welcome! Shall we start?')).text).to.equal('Tell me more about the list.')
      expect(chat.requests[1]!.body.messages.at(-1)).to.deep.equal({ role: 'user', content: 'I would use a list.' })
    } finally {
      await client.close()
      await service.close()
    }
  })
})
