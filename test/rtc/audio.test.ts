import { expect } from 'chai'
import OpusScript from 'opusscript'
import { ctx } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'
import { checkContract } from '../support/contract'
import { sleep } from '../support/runtime'
import { skipUnless } from '../support/skip'
import { espeakAvailable } from '../../src/rtc/audio-out/speech'
import { botClients, openBotRoom } from './rooms'

const isBot = (m: { type: string }) => m.type === 'bot_message'

describe('the interview bot’s audio', () => {
  let user: TestUser
  const joined = botClients(() => user)

  before(async () => {
    user = await newUser('audio')
  })

  it('records the candidate’s audio to WebM, stores recording_saved, and serves it to the owner only', async function () {
    this.timeout(30_000)
    const roomId = await openBotRoom(user)
    const client = await joined(roomId)
    await client.waitFor(isBot)
    await client.sendTone(1)
    client.channel.close()
    let recordings: Array<Record<string, unknown>> = []
    for (let i = 0; i < 200 && recordings.length === 0; i++, await sleep(50)) {
      recordings = (await api('GET', `/api/interview/${roomId}/recordings`, { token: user.token })).body.recordings
    }
    expect(recordings).to.have.length(1)
    const [saved] = recordings as Array<{ file: string; pc_id: string; duration_seconds: number; size_bytes: number; url: string }>
    expect(saved!.pc_id).to.equal(client.pcId)
    expect(saved!.file).to.match(new RegExp(`^${client.pcId}-.*\\.webm$`))
    expect(saved!.duration_seconds).to.be.within(0.8, 1.3)
    expect(saved!.size_bytes).to.be.greaterThan(1_000)

    const file = await fetch(`${ctx().url}${saved!.url}`, { headers: { authorization: `Bearer ${user.token}` } })
    expect(file.status).to.equal(200)
    expect(file.headers.get('content-type')).to.equal('audio/webm')
    const bytes = Buffer.from(await file.arrayBuffer())
    checkContract({ method: 'GET', url: saved!.url, status: file.status, contentType: file.headers.get('content-type'), text: '(binary)' })
    expect(bytes.length).to.equal(saved!.size_bytes)
    expect(bytes.subarray(0, 4).toString('hex')).to.equal('1a45dfa3')

    const other = await newUser('audio-other')
    expect((await api('GET', `/api/interview/${roomId}/recordings`, { token: other.token })).status).to.equal(404)
    expect((await api('GET', saved!.url, { token: other.token })).status).to.equal(404)
    expect((await api('GET', `/api/interview/${roomId}/recordings/..%2F..%2Fpackage.json`, { token: user.token })).status).to.be.oneOf([400, 404])
    expect((await api('GET', `/api/interview/${roomId}/recordings/.hidden.webm`, { token: user.token })).status).to.equal(400)
    expect((await api('GET', `/api/interview/${roomId}/recordings/nothing-here.webm`, { token: user.token })).status).to.equal(404)
  })

  it('speaks its turns: Opus RTP with the negotiated payload type that decodes to audible sound', async function () {
    skipUnless(this, await espeakAvailable(), 'espeak-ng is not installed')
    this.timeout(30_000)
    const roomId = await openBotRoom(user)
    const client = await joined(roomId)
    await client.waitFor(isBot)
    for (let i = 0; i < 200 && client.audio.length < 75; i++) await sleep(20)
    expect(client.audio.length).to.be.at.least(75)
    const negotiated = Number(/a=rtpmap:(\d+) OPUS\/48000/i.exec(client.pc.remoteDescription!.sdp)![1])
    expect(client.audioPayloadType).to.equal(negotiated)
    const decoder = new OpusScript(48_000, 1)
    let sum = 0
    let count = 0
    for (const payload of client.audio) {
      const pcm = decoder.decode(payload)
      for (let i = 0; i + 1 < pcm.length; i += 2) {
        const sample = pcm.readInt16LE(i)
        sum += sample * sample
        count++
      }
    }
    decoder.delete()
    const rms = Math.sqrt(sum / count)
    expect(rms, 'RMS of the decoded speech').to.be.greaterThan(300)
  })

  it('finds no espeak-ng where there is none', async () => {
    expect(await espeakAvailable('/nonexistent/espeak-ng')).to.equal(false)
  })
})
