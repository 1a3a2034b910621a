import { expect } from 'chai'
import { startService } from '../../src/service'
import { ctx, testConfig } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'
import { sleep } from '../support/runtime'
import { BotClient } from './bot-client'
import { newUserOn, openBotRoom } from './rooms'

const OFFER_PATH = (roomId: string) => `/api/offer?room_id=${roomId}`

describe('POST /api/offer and PATCH /api/offer', () => {
  let user: TestUser
  let roomId: string
  const clients: BotClient[] = []
  const client = () => {
    const c = new BotClient()
    clients.push(c)
    return c
  }
  const history = async (id: string) => (await api('GET', `/api/interview/${id}/history`, { token: user.token })).body.events as Array<{ type: string; data: Record<string, unknown> }>

  before(async () => {
    user = await newUser('rtc')
  })
  beforeEach(async () => {
    roomId = await openBotRoom(user)
  })
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()))
  })

  it('answers an offer with sendrecv Opus audio and its ICE candidates, and connects', async () => {
    const peer = client()
    const reply = await peer.join(user.token, roomId)
    expect(reply.status).to.equal(200)
    expect(reply.body).to.include({ type: 'answer' })
    expect(reply.body.pc_id).to.match(/^pc-/)
    const sdp: string = reply.body.sdp
    expect(sdp).to.match(/a=candidate:.* 127\.0\.0\.1 \d+ typ host/)
    const audio = sdp.split('m=')[1]!
    expect(audio).to.include('a=sendrecv')
    expect(audio).to.match(/a=rtpmap:\d+ OPUS\/48000\/2/i)
    await peer.connected()
  })

  it('renegotiates a known pc_id on the same connection', async () => {
    const peer = client()
    await peer.join(user.token, roomId)
    await peer.connected()
    await peer.waitFor((m) => m.type === 'bot_message')
    const again = await api('POST', OFFER_PATH(roomId), { token: user.token, body: { sdp: await peer.offer(), type: 'offer', pc_id: peer.pcId } })
    expect(again.status, again.text).to.equal(200)
    expect(again.body.pc_id).to.equal(peer.pcId)
    await peer.pc.setRemoteDescription({ type: 'answer', sdp: again.body.sdp })
    const from = peer.messages.length
    peer.send({ type: 'ping' })
    await peer.waitFor((m) => m.type === 'pong', 5_000, from)
    expect((await history(roomId)).filter((e) => e.type === 'peer_connected')).to.have.length(1)
  })

  it('restart_pc closes the connection and builds a new one under the same pc_id', async () => {
    const first = client()
    await first.join(user.token, roomId)
    await first.connected()
    await first.waitFor((m) => m.type === 'bot_message')
    const second = client()
    const reply = await second.join(user.token, roomId, { pc_id: first.pcId, restart_pc: true })
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body.pc_id).to.equal(first.pcId)
    await second.connected()
    await second.waitFor((m) => m.type === 'bot_message')
    const lifecycle = (await history(roomId)).filter((e) => e.type.startsWith('peer_'))
    expect(lifecycle.map((e) => [e.type, e.data.pc_id, e.data.reason])).to.deep.equal([
      ['peer_connected', first.pcId, undefined],
      ['peer_disconnected', first.pcId, 'restart'],
      ['peer_connected', first.pcId, undefined],
    ])
  })

  it('PATCH adds trickled candidates to a known pc_id; 404 for an unknown one or another user’s', async () => {
    const peer = client()
    const sdp = await peer.offer()
    const reply = await api('POST', OFFER_PATH(roomId), { token: user.token, body: { sdp, type: 'offer' } })
    const candidate = sdp.split('\r\n').find((l) => l.startsWith('a=candidate:'))!.slice(2)
    const patch = { pc_id: reply.body.pc_id, candidates: [{ candidate, sdp_mid: '0', sdp_mline_index: 0 }] }
    const added = await api('PATCH', '/api/offer', { token: user.token, body: patch })
    expect(added.status, added.text).to.equal(200)
    expect(added.body).to.deep.equal({ success: true, pc_id: reply.body.pc_id, added: 1 })
    expect((await api('PATCH', '/api/offer', { token: user.token, body: { ...patch, pc_id: 'pc-unknown' } })).status).to.equal(404)
    const other = await newUser('rtc-other')
    expect((await api('PATCH', '/api/offer', { token: other.token, body: patch })).status).to.equal(404)
    expect((await api('PATCH', '/api/offer', { token: user.token, body: { pc_id: '../x', candidates: [] } })).status).to.equal(400)
  })

  it('takes the offer exactly as the stock Pipecat transport sends it (pc_id null, restart_pc, requestData, extra fields) and its PATCH on the offer URL', async () => {
    const peer = client()
    const sdp = await peer.offer()
    const body = { sdp, type: 'offer', pc_id: null, restart_pc: false, requestData: { plan: 'mock' }, client_hint: 'extra' }
    const reply = await api('POST', OFFER_PATH(roomId), { token: user.token, body })
    expect(reply.status, reply.text).to.equal(200)
    expect(reply.body.pc_id).to.match(/^pc-/)
    await peer.pc.setRemoteDescription({ type: 'answer', sdp: reply.body.sdp })
    const candidate = sdp.split('\r\n').find((l) => l.startsWith('a=candidate:'))!.slice(2)
    const patch = { pc_id: reply.body.pc_id, candidates: [{ candidate, sdp_mid: '0', sdp_mline_index: 0 }] }
    const added = await api('PATCH', OFFER_PATH(roomId), { token: user.token, body: patch })
    expect(added.status, added.text).to.equal(200)
    expect(added.body).to.include({ added: 1 })
    const elsewhere = await openBotRoom(user)
    expect((await api('PATCH', OFFER_PATH(elsewhere), { token: user.token, body: patch })).status, 'a room the peer is not in').to.equal(404)
    await peer.connected()
    expect((await api('POST', OFFER_PATH(roomId), { token: user.token, body: { ...body, requestData: 'not an object' } })).body.error.details[0].path).to.include('requestData')
  })

  it('rejects malformed SDP with 400 and keeps serving', async () => {
    const garbage = await api('POST', OFFER_PATH(roomId), { token: user.token, body: { sdp: 'v=0\r\nthis is not sdp\r\n', type: 'offer' } })
    expect(garbage.status).to.equal(400)
    expect(garbage.body.error.code).to.equal('validation_error')
    expect(garbage.body.error.message).to.include('lacks a media section')
    const sdp = await client().offer()
    const broken = await api('POST', OFFER_PATH(roomId), { token: user.token, body: { sdp: sdp.replace(/a=rtpmap:.*\r\n/g, '').replace(/UDP\/TLS\/RTP\/SAVPF .*/, 'UDP/TLS/RTP/SAVPF 96'), type: 'offer' } })
    expect(broken.status, broken.text).to.equal(400)
    const noType = await api('POST', OFFER_PATH(roomId), { token: user.token, body: { sdp: 'v=0', type: 'answer' } })
    expect(noType.status).to.equal(400)
    const peer = client()
    expect((await peer.join(user.token, roomId)).status).to.equal(200)
    await peer.connected()
  })

  it('is 401 without a token, 404 for another user’s or an unknown room, 409 once the interview is over', async () => {
    const sdp = await client().offer()
    expect((await api('POST', OFFER_PATH(roomId), { body: { sdp, type: 'offer' } })).status).to.equal(401)
    const other = await newUser('rtc-other')
    expect((await api('POST', OFFER_PATH(roomId), { token: other.token, body: { sdp, type: 'offer' } })).status).to.equal(404)
    expect((await api('POST', OFFER_PATH('no-such-room'), { token: user.token, body: { sdp, type: 'offer' } })).status).to.equal(404)
    expect((await api('POST', '/api/offer', { token: user.token, body: { sdp, type: 'offer' } })).status).to.equal(400)
    await api('POST', `/api/interview/${roomId}/end`, { token: user.token })
    const over = await api('POST', OFFER_PATH(roomId), { token: user.token, body: { sdp, type: 'offer' } })
    expect(over.status).to.equal(409)
    expect(over.body.error.code).to.equal('invalid_state')
  })

  it('closes a peer that never connects, without a fact', async function () {
    this.timeout(10_000)
    const service = await startService(testConfig({ RTC_CONNECT_TIMEOUT_MS: '1000' }), { database: ctx().database })
    try {
      const owner = await newUserOn(service.url, 'rtc-timeout')
      const room = await openBotRoom(owner, [1], service.url)
      const reply = await api('POST', OFFER_PATH(room), { token: owner.token, body: { sdp: await client().offer(), type: 'offer' }, baseUrl: service.url })
      expect(reply.status).to.equal(200)
      expect(service.rtc.peerCount).to.equal(1)
      await sleep(1_500)
      expect(service.rtc.peerCount).to.equal(0)
      const events = (await api('GET', `/api/interview/${room}/history`, { token: owner.token, baseUrl: service.url })).body.events as Array<{ type: string }>
      expect(events.map((e) => e.type)).to.deep.equal(['room_opened'])
    } finally {
      await service.close()
    }
  })
})
