import { expect } from 'chai'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { espeakAvailable } from '../../src/rtc/audio-out/speech'
import { startService, type RunningService } from '../../src/service'
import { hasChromium, launchBrowser, type Browser } from '../support/browser'
import { ctx, testConfig } from '../support/context'
import { api } from '../support/http'
import { sleep } from '../support/runtime'
import { skipUnless } from '../support/skip'
import { startTranscriptionServer, type TranscriptionServer } from '../support/transcription-server'
import { loadPipecatClient, seen, waitSeen, type Seen } from './pipecat/pipecat-page'
import { speechWav, type SpokenPart } from './pipecat/speech-wav'
import { newUserOn, openBotRoom } from './rooms'

const SENTENCES = ['I would start by clarifying the requirements.', 'Then I would design the data model and the interfaces.']
const SILENCE_MS = 2_500

async function waitFor<T>(find: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const found = await find()
    if (found !== undefined) return found
    if (Date.now() > until) throw new Error(`not found in ${timeoutMs} ms`)
    await sleep(100)
  }
}

describe('the bot hears a stock Pipecat client’s microphone (Chromium playing a spoken WAV)', function () {
  this.timeout(120_000)
  let dir: string
  let parts: SpokenPart[]
  let browser: Browser
  let stt: TranscriptionServer
  let service: RunningService

  before(async function () {
    skipUnless(this, hasChromium, 'chromium is not installed')
    skipUnless(this, await espeakAvailable(), 'espeak-ng is not installed (it makes the spoken WAV and the bot’s voice)')
    dir = mkdtempSync(join(tmpdir(), 'hearing-'))
    const wav = await speechWav(dir, SENTENCES, SILENCE_MS)
    parts = wav.parts
    // The server answers with the sentence whose length the upload matches: a wrong cut gets a wrong text.
    stt = await startTranscriptionServer((request) => closest(request.durationMs).text)
    service = await startService(testConfig({ STT_BASE_URL: stt.baseUrl, STT_MODEL: 'whisper-test' }), { database: ctx().database })
    browser = await launchBrowser({ microphone: { wav: wav.file } })
  })
  after(async () => {
    await browser?.close()
    await service?.close()
    await stt?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const closest = (ms: number) => parts.reduce((best, p) => (Math.abs(p.durationMs - ms) < Math.abs(best.durationMs - ms) ? p : best))

  it('stops talking when the candidate speaks, transcribes the utterance, stores it as a voice message and answers it', async () => {
    const user = await newUserOn(service.url, 'hearing')
    const roomId = await openBotRoom(user, [5, 5], service.url)
    await api('POST', `/api/interview/${roomId}/timer/start`, { token: user.token, baseUrl: service.url })
    const origin = new URL(service.url).origin
    const page = await loadPipecatClient(await browser.page(origin), origin)
    await page.evaluate(([room, token]) => (window as any).pipecat.connect(room, token), [roomId, user.token])

    const transcript = await waitSeen(page, (s) => s.event === 'userTranscript', 0, 30_000)
    expect(transcript.data).to.include({ final: true, user_id: user.id, text: SENTENCES[0] })
    expect(Date.parse(transcript.data.timestamp)).to.be.closeTo(Date.now(), 60_000)
    await waitSeen(page, (s) => s.event === 'userStoppedSpeaking')

    expect(stt.refused).to.deep.equal([])
    const first = stt.requests[0]!
    expect(first).to.include({ model: 'whisper-test', channels: 1, bitsPerSample: 16 })
    expect(first.durationMs, 'one sentence, not the silence around it').to.be.within(parts[0]!.durationMs - 300, parts[0]!.durationMs + 800)
    expect(first.rms, 'speech, not silence').to.be.above(0.01)

    const answer = await waitSeen(page, (s: Seen) => s.event === 'botOutput' && s.at > transcript.at - 1_000)
    expect(answer.data.text).to.equal('Thanks. What are the time and space complexity of that approach?')

    let voice: any
    for (let i = 0; i < 50 && !voice; i++, await sleep(100)) {
      const events = (await api('GET', `/api/interview/${roomId}/history`, { token: user.token, baseUrl: service.url })).body.events as any[]
      voice = events.find((e) => e.type === 'candidate_message' && e.data.source === 'voice')
    }
    expect(voice, 'the transcript is a fact').to.exist
    expect(voice.data).to.include({ text: SENTENCES[0], source: 'voice' })
    expect(voice.data.duration_ms).to.be.within(parts[0]!.durationMs - 300, parts[0]!.durationMs + 800)
    // Barge-in: the candidate speaks while the bot is talking; the bot stops there, its turn cut short.
    const bargeIn = await waitFor(async () => {
      const all = await seen(page)
      for (const [i, s] of all.entries()) {
        if (s.event !== 'userStartedSpeaking') continue
        const botStopped = all.slice(0, i + 2).filter((e) => e.event === 'botStoppedSpeaking' && Math.abs(e.at - s.at) < 300).at(-1)
        const botStarted = all.slice(0, i).filter((e) => e.event === 'botStartedSpeaking').at(-1)
        const turn = all.slice(0, i).filter((e) => e.event === 'botTtsText').at(-1)
        // espeak-ng at 170 words a minute: about 350 ms a word.
        const wholeTurnMs = turn ? turn.data.text.split(' ').length * 350 : 0
        if (botStopped && botStarted && botStopped.at - botStarted.at < wholeTurnMs * 0.6) return { userStarted: s, botStopped, all }
      }
      return undefined
    }, 60_000).catch(async (error) => {
      console.log((await seen(page)).filter((e) => e.event !== 'audio').map((e) => `${Math.round(e.at)} ${e.event} ${e.data?.text ?? e.data?.type ?? ''}`).join('\n'))
      throw error
    })
    expect(bargeIn.botStopped.at - bargeIn.userStarted.at, 'the bot stops as the candidate starts').to.be.within(-300, 300)
    await sleep(1_200)
    const samples = (await seen(page)).filter((e) => e.event === 'audio')
    const packets = (t: number) => [...samples].reverse().find((e) => e.at <= t)?.data.packets ?? 0
    const restarted = (await seen(page)).find((e) => e.event === 'botStartedSpeaking' && e.at > bargeIn.botStopped.at)
    const quietUntil = Math.min(bargeIn.botStopped.at + 1_100, restarted?.at ?? Infinity)
    expect(packets(quietUntil) - packets(bargeIn.botStopped.at + 250), 'no bot audio after it stopped').to.equal(0)

    // Speaking time, both sides, from the facts the bot recorded.
    const talk = (await api('GET', `/api/interview/${roomId}/timer/status`, { token: user.token, baseUrl: service.url })).body.timer_status.talk
    expect(talk.candidate_seconds, 'the candidate’s talk time').to.be.above(parts[0]!.durationMs / 1000 - 0.3)
    expect(talk.bot_seconds, 'the bot’s talk time').to.be.above(0.5)
    await page.evaluate(() => (window as any).pipecat.disconnect())
    await page.close()
    expect(browser.blocked).to.deep.equal([])
  })
})

