import { expect } from 'chai'
import { espeakAvailable } from '../../src/rtc/audio-out/speech'
import { browserSuite } from '../support/browser-suite'
import { ctx } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'
import { sleep } from '../support/runtime'
import { loadPipecatClient, seen, waitSeen, type Seen } from './pipecat/pipecat-page'
import { openBotRoom } from './rooms'

describe('a stock Pipecat client (client-js + small-webrtc-transport) in headless Chromium', function () {
  this.timeout(90_000)
  const chromium = browserSuite({ microphone: 'silence' })
  let user: TestUser
  let voiced: boolean

  before(async () => {
    voiced = await espeakAvailable()
    user = await newUser('pipecat')
  })
  afterEach(() => {
    expect(chromium.browser().blocked, 'requests outside the service').to.deep.equal([])
  })

  const connect = async (roomId: string) => {
    const page = await loadPipecatClient(await chromium.page(), new URL(ctx().url).origin)
    const ready = await page.evaluate(([room, token]) => (window as any).pipecat.connect(room, token), [roomId, user.token])
    return { page, ready }
  }
  const history = async (roomId: string) => (await api('GET', `/api/interview/${roomId}/history`, { token: user.token })).body.events as Array<{ type: string; data: Record<string, any> }>
  const isOutput = (text: string | RegExp) => (s: Seen) => s.event === 'botOutput' && (typeof text === 'string' ? s.data.text.includes(text) : text.test(s.data.text))

  it('connects on bot-ready, hears the greeting as bot-output and as audio bracketed by bot-started/stopped-speaking', async () => {
    const roomId = await openBotRoom(user)
    const { page, ready } = await connect(roomId)
    expect(ready).to.deep.include({ version: '2.1.0' })
    const greeting = await waitSeen(page, isOutput('Hello, and welcome to Bot test.'))
    expect(greeting.data).to.include({ spoken: voiced, aggregated_by: 'sentence' })
    await waitSeen(page, (s) => s.event === 'botLlmText' && s.data.text.startsWith('Hello, and welcome'))
    if (!voiced) return console.log('      - audio part skipped: espeak-ng is not installed, the bot is text-only')

    await waitSeen(page, (s) => s.event === 'botTtsText')
    const started = await waitSeen(page, (s) => s.event === 'botStartedSpeaking')
    const stopped = await waitSeen(page, (s) => s.event === 'botStoppedSpeaking' && s.at > started.at)
    await sleep(1_800)
    const all = await seen(page)
    expect(all.filter((s) => s.event === 'botStartedSpeaking'), 'one talkspurt: the greeting').to.have.length(1)
    const samples = all.filter((s) => s.event === 'audio')
    const at = (t: number) => [...samples].reverse().find((s) => s.at <= t)?.data ?? { packets: 0, energy: 0 }
    const spokenMs = stopped.at - started.at
    expect(spokenMs, 'the greeting is seconds of speech').to.be.above(1_000)
    expect(at(started.at - 150).packets, 'no audio before bot-started-speaking').to.equal(0)
    expect(at(started.at + 300).packets, 'audio as soon as bot-started-speaking').to.be.above(0)
    const during = at(stopped.at + 150).packets - at(started.at - 150).packets
    expect(during, 'a packet per 20 ms while speaking').to.be.at.least((spokenMs / 20) * 0.8)
    expect(at(stopped.at + 150).energy, 'the packets carry sound').to.be.above(0)
    expect(at(stopped.at + 1_700).packets - at(stopped.at + 300).packets, 'no audio after bot-stopped-speaking').to.equal(0)
  })

  it('answers sendText, reports a phase change made over REST as server-message, and answers client requests', async () => {
    const roomId = await openBotRoom(user)
    const { page } = await connect(roomId)
    await waitSeen(page, isOutput('Hello, and welcome'))
    expect((await api('POST', `/api/interview/${roomId}/timer/start`, { token: user.token })).status).to.equal(200)
    const phase = await waitSeen(page, (s) => s.event === 'serverMessage' && s.data.type === 'phase_started')
    expect(phase.data.data).to.include({ room_id: roomId, sequence: 1, question_id: 'q1' })
    await waitSeen(page, isOutput('Part 1 of 2'))

    let from = (await seen(page)).length
    await page.evaluate(() => (window as any).pipecat.sendText('I would walk the list once, flipping pointers.'))
    const echoed = await waitSeen(page, (s) => s.event === 'serverMessage' && s.data.type === 'candidate_message', from)
    expect(echoed.data.data).to.include({ text: 'I would walk the list once, flipping pointers.', sequence: 1 })
    expect((await waitSeen(page, (s) => s.event === 'botOutput', from)).data.text).to.equal('Thanks. What are the time and space complexity of that approach?')

    from = (await seen(page)).length
    expect((await api('POST', `/api/interview/${roomId}/phase/next`, { token: user.token })).status).to.equal(200)
    const changed = await waitSeen(page, (s) => s.event === 'serverMessage' && s.data.type === 'phase_changed', from)
    expect(changed.data.data).to.include({ previous_sequence: 1, new_sequence: 2, reason: 'skip' })

    const answered = await page.evaluate(() => (window as any).pipecat.request('candidate_message', { text: 'I once chased a race in a cache.' }))
    expect(answered).to.deep.equal({ ok: true })
    const refused = await page.evaluate(() => (window as any).pipecat.request('teleport', {}).then(() => 'resolved', (e: any) => e?.data?.error ?? String(e)))
    expect(refused).to.include('Unknown client message "teleport"')
    from = (await seen(page)).length
    await page.evaluate(() => (window as any).pipecat.raw({ label: 'rtvi-ai', type: 'teleport', id: 'x1', data: {} }))
    expect((await waitSeen(page, (s) => s.event === 'error', from)).data).to.deep.equal({ error: 'Unknown RTVI message type "teleport"', fatal: false })
    await page.evaluate(() => (window as any).pipecat.sendText('   '))
    expect((await waitSeen(page, (s) => s.event === 'error' && s.data.error.startsWith('Invalid send-text'), from)).data.fatal).to.equal(false)

    const texts = (await history(roomId)).filter((e) => e.type === 'candidate_message').map((e) => e.data.text)
    expect(texts).to.deep.equal(['I would walk the list once, flipping pointers.', 'I once chased a race in a cache.'])
  })

  it('disconnect() ends in a peer_disconnected fact', async () => {
    const roomId = await openBotRoom(user)
    const { page } = await connect(roomId)
    await waitSeen(page, isOutput('Hello, and welcome'))
    await page.evaluate(() => (window as any).pipecat.disconnect())
    let types: string[] = []
    for (let i = 0; i < 100 && !types.includes('peer_disconnected'); i++, await sleep(100)) types = (await history(roomId)).map((e) => e.type)
    expect(types.indexOf('peer_disconnected')).to.be.above(types.indexOf('peer_connected')).and.above(0)
  })
})
