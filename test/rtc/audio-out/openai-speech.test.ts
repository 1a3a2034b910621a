import { expect } from 'chai'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { loadConfig } from '../../../config'
import { encodeWav } from '../../../src/rtc/audio-in/recognizer'
import { createOpenAiSynthesizer, OpenAiSynthesizer } from '../../../src/rtc/audio-out/openai-speech'
import { Voice } from '../../../src/rtc/audio-out/voice'
import { testConfig } from '../../support/context'
import { rejectionOf } from '../../support/rejection'
import { quietLogger } from '../../support/runtime'

interface SpeechRequest {
  headers: IncomingHttpHeaders
  body: { model?: string; input?: string; voice?: string; response_format?: string }
}

/** A 440 Hz tone: 0.5 s at 24 kHz, what a speech endpoint might say. */
const TONE = Int16Array.from({ length: 12_000 }, (_, i) => Math.round(8_000 * Math.sin((2 * Math.PI * 440 * i) / 24_000)))

/** A small server speaking the OpenAI `POST /v1/audio/speech` protocol, recording each request. */
async function speechServer(answer: (request: SpeechRequest) => { status: number; type: string; body: Buffer | string }) {
  const requests: SpeechRequest[] = []
  const server: Server = createServer((req, res) => {
    let raw = ''
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()))
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/audio/speech') return void res.writeHead(404).end()
      const request = { headers: req.headers, body: JSON.parse(raw) }
      requests.push(request)
      const { status, type, body } = answer(request)
      res.writeHead(status, { 'content-type': type }).end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

const audioFor = (request: SpeechRequest) =>
  request.body.response_format === 'pcm'
    ? { status: 200, type: 'audio/pcm', body: Buffer.from(TONE.buffer) }
    : { status: 200, type: 'audio/wav', body: encodeWav({ samples: TONE, sample_rate: 24_000 }) }

describe('the bot’s voice from an OpenAI-compatible /audio/speech endpoint', () => {
  let server: Awaited<ReturnType<typeof speechServer>> | undefined
  afterEach(async () => server?.close())

  it('asks for the text in the configured model, voice and format, and returns it as 48 kHz PCM', async () => {
    server = await speechServer(audioFor)
    const synthesizer = createOpenAiSynthesizer(testConfig({ SPEECH: 'openai', TTS_BASE_URL: server.url, TTS_API_KEY: 'sk-tts', TTS_MODEL: 'tts-test', TTS_VOICE: 'nova' }))
    const pcm = await synthesizer.synthesize('Welcome to the interview.')
    expect(server.requests[0]!.body).to.deep.equal({ model: 'tts-test', input: 'Welcome to the interview.', voice: 'nova', response_format: 'wav' })
    expect(server.requests[0]!.headers.authorization).to.equal('Bearer sk-tts')
    expect(pcm.samples.length).to.equal(24_000)
    // Resampled, not stretched or silenced: the tone's peak and its 440 Hz period (109.1 samples at 48 kHz) survive.
    expect(Math.max(...pcm.samples)).to.be.within(7_900, 8_000)
    expect(zeroCrossings(pcm.samples)).to.be.within(438, 442)
  })

  it('reads raw 24 kHz PCM when asked for pcm', async () => {
    server = await speechServer(audioFor)
    const synthesizer = new OpenAiSynthesizer({ baseUrl: server.url, model: 'm', voice: 'alloy', format: 'pcm', timeoutMs: 5_000 })
    const pcm = await synthesizer.synthesize('Hello.')
    expect(server.requests[0]!.body.response_format).to.equal('pcm')
    expect(server.requests[0]!.headers.authorization).to.equal(undefined)
    expect(pcm.samples.length).to.equal(24_000)
    expect(zeroCrossings(pcm.samples)).to.be.within(438, 442)
  })

  it('becomes 20 ms Opus frames through the Voice, as espeak-ng does', async () => {
    server = await speechServer(audioFor)
    const voice = new Voice(new OpenAiSynthesizer({ baseUrl: server.url, model: 'm', voice: 'alloy', format: 'wav', timeoutMs: 5_000 }), quietLogger)
    try {
      expect(await voice.frames('Let us begin.')).to.have.length(25)
      expect(voice.engine).to.equal('openai-speech')
    } finally {
      voice.close()
    }
  })

  it('rejects with the endpoint’s message, and says when the answer is not audio it can read', async () => {
    server = await speechServer((r) =>
      r.body.voice === 'nobody'
        ? { status: 400, type: 'application/json', body: JSON.stringify({ error: { message: "Invalid voice 'nobody'", type: 'invalid_request_error' } }) }
        : { status: 200, type: 'audio/mpeg', body: Buffer.from('ID3 not a wav at all') },
    )
    const refused = await rejectionOf(new OpenAiSynthesizer({ baseUrl: server.url, model: 'm', voice: 'nobody', format: 'wav', timeoutMs: 5_000 }).synthesize('Hi'))
    expect(refused.message).to.include('answered 400').and.include("Invalid voice 'nobody'")
    const unreadable = await rejectionOf(new OpenAiSynthesizer({ baseUrl: server.url, model: 'm', voice: 'alloy', format: 'wav', timeoutMs: 5_000 }).synthesize('Hi'))
    expect(unreadable.message).to.include('cannot read').and.include('not a WAV file')
  })

  it('needs TTS_BASE_URL when SPEECH=openai', () => {
    expect(() => loadConfig({ ENV: 'test' }, { SPEECH: 'openai' })).to.throw(/TTS_BASE_URL: is required when SPEECH=openai/)
    expect(() => loadConfig({ ENV: 'test' }, { TTS_RESPONSE_FORMAT: 'mp3' })).to.throw(/TTS_RESPONSE_FORMAT/)
  })
})

function zeroCrossings(samples: Int16Array): number {
  let count = 0
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) count++
  return count
}
