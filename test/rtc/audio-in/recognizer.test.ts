import { expect } from 'chai'
import { loadConfig } from '../../../config'
import { Hearing } from '../../../src/rtc/audio-in/hearing'
import { createRecognizer, OpenAiRecognizer } from '../../../src/rtc/audio-in/openai-recognizer'
import { encodeWav, RecognitionError } from '../../../src/rtc/audio-in/recognizer'
import type { Utterance } from '../../../src/rtc/audio-in/segmenter'
import { parseWav } from '../../../src/rtc/audio-out/speech'
import { rejectionOf } from '../../support/rejection'
import { skipUnless } from '../../support/skip'
import { startTranscriptionServer, type TranscriptionServer } from '../../support/transcription-server'
import { testConfig } from '../../support/context'
import { hasEspeak, opusPackets, speech } from './speech.fixtures'

const audio = (n: number, rate = 16_000) => ({ samples: Int16Array.from({ length: n }, (_, i) => (i * 37) % 2_000 - 1_000), sample_rate: rate })

describe('speech recognition (OpenAI-compatible /audio/transcriptions)', () => {
  let server: TranscriptionServer | undefined
  afterEach(async () => server?.close())

  it('writes a WAV file that a WAV reader reads back sample for sample', () => {
    const pcm = audio(1_234, 16_000)
    const wav = encodeWav(pcm)
    expect(wav.length).to.equal(44 + 2 * 1_234)
    const read = parseWav(wav)
    expect(read.rate).to.equal(16_000)
    expect([...read.samples]).to.deep.equal([...pcm.samples])
  })

  it('sends the utterance as a multipart WAV with the model, language and json format, and returns the text', async () => {
    server = await startTranscriptionServer(() => ' I would use a hash map. ')
    const recognizer = new OpenAiRecognizer({ baseUrl: `${server.baseUrl}/`, apiKey: 'sk-stt', model: 'whisper-test', language: 'en', timeoutMs: 5_000 })
    expect(await recognizer.transcribe(audio(24_000))).to.equal('I would use a hash map.')
    const [request] = server.requests
    expect(request!.headers.authorization).to.equal('Bearer sk-stt')
    expect(request!.headers['content-type']).to.match(/^multipart\/form-data; boundary=/)
    expect(request!.fields).to.deep.equal({ model: 'whisper-test', response_format: 'json', language: 'en' })
    expect(request!.fileName).to.equal('utterance.wav')
    expect(request!.fileType).to.equal('audio/wav')
    expect(server.refused, 'a readable 16-bit WAV').to.deep.equal([])
    expect(request!.channels).to.equal(1)
    expect(request!.sampleRate).to.equal(16_000)
    expect(request!.samples.length).to.equal(24_000)
  })

  it('sends one spoken sentence heard from Opus packets, not the silence around it', async function () {
    skipUnless(this, await hasEspeak(), 'espeak-ng is not installed')
    server = await startTranscriptionServer((r) => `${r.samples.length} samples`)
    const recognizer = createRecognizer(testConfig({ STT_BASE_URL: server.baseUrl, STT_MODEL: 'whisper-test' }))!
    const signal = await speech(['Then I would design the data model.'], 1_500, 2_000)
    const utterances: Utterance[] = []
    const hearing = await Hearing.create({ onUtterance: (u) => utterances.push(u) })
    opusPackets(signal.samples).forEach((p, i) => hearing.push(p, i * 20))
    hearing.close()
    expect(utterances).to.have.length(1)
    expect(await recognizer.transcribe(utterances[0]!)).to.match(/^\d+ samples$/)
    const seconds = server.requests[0]!.samples.length / server.requests[0]!.sampleRate
    const sentence = (signal.spans[0]!.end_ms - signal.spans[0]!.start_ms) / 1000
    // The sentence, the 200 ms pre-roll and up to 100 ms after: the 3.5 s of silence stay out.
    expect(seconds).to.be.within(sentence + 0.1, sentence + 0.5)
    expect(server.requests[0]!.headers.authorization).to.equal(undefined)
  })

  it('rejects with the endpoint’s own message when it refuses', async () => {
    server = await startTranscriptionServer(() => 401)
    const err = await rejectionOf(new OpenAiRecognizer({ baseUrl: server.baseUrl, apiKey: 'wrong', model: 'm', timeoutMs: 5_000 }).transcribe(audio(1_600)))
    expect(err).to.be.instanceOf(RecognitionError)
    expect(err.message).to.include('answered 401').and.include('Incorrect API key provided')
  })

  it('rejects clearly when the endpoint is too slow, unreachable, or answers without text', async () => {
    server = await startTranscriptionServer((r) => (r.fields.model === 'slow' ? 'hang' : ''))
    const slow = await rejectionOf(new OpenAiRecognizer({ baseUrl: server.baseUrl, model: 'slow', timeoutMs: 200 }).transcribe(audio(1_600)))
    expect(slow.message).to.include('did not answer within 200 ms')
    const closed = `http://127.0.0.1:${new URL(server.baseUrl).port}/v1`
    await server.close()
    server = undefined
    const unreachable = await rejectionOf(new OpenAiRecognizer({ baseUrl: closed, model: 'm', timeoutMs: 2_000 }).transcribe(audio(1_600)))
    expect(unreachable).to.be.instanceOf(RecognitionError)
    expect(unreachable.message).to.include('could not be reached')
    server = await startTranscriptionServer(() => '')
    expect(await new OpenAiRecognizer({ baseUrl: server.baseUrl, model: 'm', timeoutMs: 2_000 }).transcribe(audio(1_600))).to.equal('')
  })

  it('is absent without STT_BASE_URL, and the settings are checked', () => {
    expect(createRecognizer(testConfig())).to.equal(null)
    expect(() => loadConfig({ ENV: 'test' }, { STT_LANGUAGE: 'English' })).to.throw(/STT_LANGUAGE: must be an ISO-639-1/)
    expect(() => loadConfig({ ENV: 'test' }, { STT_BASE_URL: 'not a url' })).to.throw(/STT_BASE_URL/)
    expect(testConfig({ STT_BASE_URL: 'http://127.0.0.1:9/v1' })).to.include({ STT_MODEL: 'whisper-1', STT_TIMEOUT_MS: 15_000 })
  })
})
