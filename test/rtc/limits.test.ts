import { expect } from 'chai'
import { startService, type RunningService } from '../../src/service'
import { MAX_OFFER_CANDIDATES, MAX_OFFER_MEDIA } from '../../src/rtc/sdp-limits'
import { ctx, testConfig } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'
import { BotClient } from './bot-client'
import { newUserOn, openBotRoom } from './rooms'

const offerPath = (roomId: string) => `/api/offer?room_id=${roomId}`

/** The SDP's session part and its media sections, each as text. */
function sections(sdp: string): { session: string; media: string[] } {
  const [session, ...media] = sdp.split(/\r\n(?=m=)/)
  return { session: session!, media }
}

describe('POST /api/offer limits', function () {
  this.timeout(60_000)
  const clients: BotClient[] = []
  const client = () => {
    const c = new BotClient()
    clients.push(c)
    return c
  }
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()))
  })

  describe('the size of an offer', () => {
    let user: TestUser
    let roomId: string
    let sdp: string
    before(async () => {
      user = await newUser('rtc-limits')
      roomId = await openBotRoom(user)
      sdp = await client().offer()
    })

    it(`refuses more than ${MAX_OFFER_MEDIA} m-lines with 400 naming the sdp field, before any work, and keeps no peer`, async () => {
      const { session, media } = sections(sdp)
      const many = [session, ...Array.from({ length: MAX_OFFER_MEDIA + 1 }, (_, i) => media[i % media.length]!.replace(/a=mid:\S+/, `a=mid:${i}`))].join('\r\n')
      const before = ctx().service.rtc.peerCount
      const reply = await api('POST', offerPath(roomId), { token: user.token, body: { sdp: many, type: 'offer' } })
      expect(reply.status, reply.text).to.equal(400)
      expect(reply.body.error.details.map((d: { path: string }) => d.path)).to.include('sdp')
      expect(reply.text).to.include('m-lines')
      expect(ctx().service.rtc.peerCount).to.equal(before)
    })

    it(`refuses more than ${MAX_OFFER_CANDIDATES} ICE candidates with 400 naming the sdp field`, async () => {
      const { session, media } = sections(sdp)
      const candidates = Array.from({ length: MAX_OFFER_CANDIDATES + 1 }, (_, i) => `a=candidate:${i} 1 udp 2130706431 127.0.0.1 ${10_000 + i} typ host`).join('\r\n')
      const stuffed = [session, `${media[0]!.replace(/\r\n$/, '')}\r\n${candidates}\r\n`, ...media.slice(1)].join('\r\n')
      const reply = await api('POST', offerPath(roomId), { token: user.token, body: { sdp: stuffed, type: 'offer' } })
      expect(reply.status, reply.text).to.equal(400)
      expect(reply.body.error.details.map((d: { path: string }) => d.path)).to.include('sdp')
      expect(reply.text).to.include('ICE candidates')
    })

    it('still answers the same offer when it is within the limits', async () => {
      const reply = await api('POST', offerPath(roomId), { token: user.token, body: { sdp, type: 'offer' } })
      expect(reply.status, reply.text).to.equal(200)
    })
  })

  describe('pending peers per user (RTC_MAX_PENDING_PEERS_PER_USER)', () => {
    let service: RunningService
    before(async () => {
      service = await startService(testConfig({ RTC_MAX_PENDING_PEERS_PER_USER: '2', RTC_CONNECT_TIMEOUT_MS: '30000' }), { database: ctx().database })
    })
    after(() => service?.close())

    it('answers 429 with Retry-After to a user whose offers have not connected, and serves other users', async () => {
      const user = await newUserOn(service.url)
      const roomId = await openBotRoom(user, [1, 1], service.url)
      for (let i = 0; i < 2; i++) {
        const reply = await api('POST', offerPath(roomId), { token: user.token, body: { sdp: await client().offer(), type: 'offer' }, baseUrl: service.url })
        expect(reply.status, reply.text).to.equal(200)
      }
      const refused = await api('POST', offerPath(roomId), { token: user.token, body: { sdp: await client().offer(), type: 'offer' }, baseUrl: service.url })
      expect(refused.status, refused.text).to.equal(429)
      expect(refused.body.error.code).to.equal('rate_limited')
      expect(Number(refused.headers.get('retry-after'))).to.equal(30)
      expect(service.rtc.peerCount).to.equal(2)

      const other = await newUserOn(service.url)
      const otherRoom = await openBotRoom(other, [1, 1], service.url)
      const served = await client().join(other.token, otherRoom, {}, service.url)
      expect(served.status, served.text).to.equal(200)
    })

    it('does not count peers that connected', async () => {
      const user = await newUserOn(service.url)
      const roomId = await openBotRoom(user, [1, 1], service.url)
      for (let i = 0; i < 3; i++) {
        const peer = client()
        const reply = await peer.join(user.token, roomId, {}, service.url)
        expect(reply.status, reply.text).to.equal(200)
        await peer.connected()
      }
    })
  })
})
