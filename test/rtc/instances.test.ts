import { expect } from 'chai'
import { startService, type RunningService } from '../../src/service'
import { ctx, testConfig } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'
import { BotClient } from './bot-client'
import { openBotRoom } from './rooms'

/** A second instance of the service on the same database, as another process would be. */
describe('the interview bot with another instance and on shutdown', () => {
  let other: RunningService
  let user: TestUser
  const clients: BotClient[] = []

  beforeEach(async () => {
    other = await startService(testConfig({ SPEECH: 'none', SUBSCRIPTION_POLL_MS: '100' }), { database: ctx().database })
    user = await newUser('instances')
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()))
    await other.close()
  })

  async function joinedOn(service: RunningService, roomId: string): Promise<BotClient> {
    const client = new BotClient()
    clients.push(client)
    const reply = await api('POST', `/api/offer?room_id=${roomId}`, { token: user.token, body: { sdp: await client.offer(), type: 'offer' }, baseUrl: service.url })
    expect(reply.status, reply.text).to.equal(200)
    client.pcId = reply.body.pc_id
    await client.pc.setRemoteDescription({ type: 'answer', sdp: reply.body.sdp })
    await client.connected()
    await client.waitFor((m) => m.type === 'bot_message')
    return client
  }

  it('a phase change made through one instance reaches the bot of a peer on the other', async () => {
    const roomId = await openBotRoom(user)
    const client = await joinedOn(other, roomId)
    const from = client.messages.length
    expect((await api('POST', `/api/interview/${roomId}/timer/start`, { token: user.token })).status).to.equal(200)
    await client.waitFor((m) => m.type === 'phase_started', 10_000, from)
    expect((await client.waitFor((m) => m.type === 'bot_message', 10_000, from)).text).to.match(/^Let's begin\. Part 1 of 2/)
  })

  it('on shutdown, each peer leaves the room with reason shutdown and its recording saved', async () => {
    const roomId = await openBotRoom(user)
    const client = await joinedOn(other, roomId)
    await client.sendTone(0.5)
    await other.close()
    const events = (await api('GET', `/api/interview/${roomId}/history`, { token: user.token })).body.events as Array<{ type: string; data: Record<string, unknown> }>
    expect(events.find((e) => e.type === 'peer_disconnected')?.data).to.include({ pc_id: client.pcId, reason: 'shutdown' })
    expect(events.find((e) => e.type === 'recording_saved')?.data).to.include({ pc_id: client.pcId })
    const refused = await api('POST', `/api/offer?room_id=${roomId}`, { token: user.token, body: { sdp: await new BotClient().offer(), type: 'offer' }, baseUrl: other.url }).catch(() => null)
    expect(refused === null || refused.status === 503).to.equal(true)
  })
})
