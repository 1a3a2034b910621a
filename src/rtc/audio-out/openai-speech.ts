import type { Config } from '../../../config'
import { parseWav, resample, type Pcm48k, type SpeechSynthesizer } from './speech'

export interface OpenAiSpeechOptions {
  baseUrl: string
  apiKey?: string
  model: string
  voice: string
  /** `wav` carries its own rate; `pcm` is raw 16-bit mono at `pcmRate` (24 kHz from OpenAI). */
  format: 'wav' | 'pcm'
  pcmRate?: number
  timeoutMs: number
}

const SAMPLE_RATE = 48_000

/**
 * The bot's voice from any OpenAI-compatible `POST {base}/audio/speech`: the text goes up as
 * JSON, the audio comes back as WAV or raw PCM and is resampled to the 48 kHz the encoder takes.
 */
export class OpenAiSynthesizer implements SpeechSynthesizer {
  readonly name = 'openai-speech'

  constructor(private readonly options: OpenAiSpeechOptions) {}

  async synthesize(text: string): Promise<Pcm48k> {
    const { baseUrl, apiKey, model, voice, format, timeoutMs } = this.options
    const url = `${baseUrl.replace(/\/+$/, '')}/audio/speech`
    let response: Response
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify({ model, input: text, voice, response_format: format }),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError'
      throw new Error(timedOut ? `${url} did not answer within ${timeoutMs} ms` : `${url} could not be reached: ${(err as Error).message}`)
    }
    const body = Buffer.from(await response.arrayBuffer())
    if (!response.ok) throw new Error(`${url} answered ${response.status}: ${errorMessage(body)}`)
    if (format === 'pcm') return { samples: resample(pcmSamples(body), this.options.pcmRate ?? 24_000, SAMPLE_RATE) }
    let wav: { rate: number; samples: Int16Array }
    try {
      wav = parseWav(body)
    } catch (err) {
      throw new Error(`${url} answered with audio this bot cannot read (${(err as Error).message})`)
    }
    return { samples: resample(wav.samples, wav.rate, SAMPLE_RATE) }
  }
}

/** Raw little-endian 16-bit samples (an odd last byte is dropped). */
function pcmSamples(body: Buffer): Int16Array {
  const samples = new Int16Array(body.length >> 1)
  for (let i = 0; i < samples.length; i++) samples[i] = body.readInt16LE(i * 2)
  return samples
}

function errorMessage(body: Buffer): string {
  const text = body.toString('utf8')
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message
    if (typeof message === 'string') return message
  } catch {
    // not JSON: the raw text will do
  }
  return text.slice(0, 200) || '(empty body)'
}

/** The synthesizer SPEECH=openai asks for (TTS_BASE_URL is required then, as the config checks). */
export function createOpenAiSynthesizer(
  config: Pick<Config, 'TTS_BASE_URL' | 'TTS_API_KEY' | 'TTS_MODEL' | 'TTS_VOICE' | 'TTS_RESPONSE_FORMAT' | 'TTS_TIMEOUT_MS'>,
): OpenAiSynthesizer {
  if (!config.TTS_BASE_URL) throw new Error('TTS_BASE_URL is required for the speech endpoint')
  return new OpenAiSynthesizer({
    baseUrl: config.TTS_BASE_URL,
    apiKey: config.TTS_API_KEY,
    model: config.TTS_MODEL,
    voice: config.TTS_VOICE,
    format: config.TTS_RESPONSE_FORMAT,
    timeoutMs: config.TTS_TIMEOUT_MS,
  })
}
