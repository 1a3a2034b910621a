import { expect } from 'chai'
import { api, newUser, type TestUser } from '../support/http'
import { skipUnless } from '../support/skip'
import { hasEspeak, opusPackets, silence, spoken } from './audio-in/speech.fixtures'
import { botClients, openBotRoom } from './rooms'

describe('the bot listening without a transcriber (no STT_BASE_URL)', function () {
  this.timeout(40_000)
  let user: TestUser
  const joined = botClients(() => user)

  before(async function () {
    skipUnless(this, await hasEspeak(), 'espeak-ng is not installed (it speaks the candidate’s sentence)')
    user = await newUser('listen')
  })

  it('hears that the candidate speaks: user-started/stopped-speaking and talk time, but no message', async () => {
    const roomId = await openBotRoom(user)
    await api('POST', `/api/interview/${roomId}/timer/start`, { token: user.token })
    const client = await joined(roomId)
    await client.waitFor((m) => m.type === 'bot_message' && String(m.text).includes('Part 1 of 2'))
    const sentence = await spoken('I would keep a pointer to the previous node.')
    const sentenceMs = (sentence.length / 48_000) * 1000
    const from = client.messages.length
    await client.sendPackets(opusPackets(new Int16Array([...silence(500), ...sentence, ...silence(1_500)])))

    const started = await client.waitFor((m) => m.label === 'rtvi-ai' && m.type === 'user-started-speaking', 5_000, from)
    expect(started).to.exist
    await client.waitFor((m) => m.label === 'rtvi-ai' && m.type === 'user-stopped-speaking', 5_000, from)
    const talk = await client.waitFor((m) => m.type === 'talk_recorded' && (m.data as { speaker: string }).speaker === 'candidate', 5_000, from)
    expect((talk.data as { duration_ms: number }).duration_ms).to.be.within(sentenceMs - 250, sentenceMs + 400)
    const events = (await api('GET', `/api/interview/${roomId}/history`, { token: user.token })).body.events as Array<{ type: string }>
    expect(events.filter((e) => e.type === 'candidate_message'), 'nothing transcribed, nothing stored as said').to.deep.equal([])
    expect(client.messages.slice(from).filter((m) => m.type === 'user-transcription')).to.deep.equal([])
  })
})
