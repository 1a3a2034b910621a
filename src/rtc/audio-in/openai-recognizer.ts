import type { Config } from '../../../config'
import type { Logger } from '../../logger'
import { encodeWav, RecognitionError, type PcmAudio, type SpeechRecognizer } from './recognizer'

export interface OpenAiRecognizerOptions {
  baseUrl: string
  apiKey?: string
  model: string
  /** ISO-639-1 code; unset lets the engine detect the language. */
  language?: string
  timeoutMs: number
}

/**
 * Any OpenAI-compatible `POST {base}/audio/transcriptions` (hosted Whisper services and local
 * Whisper servers share it): the utterance goes up as a WAV file, the text comes back as JSON.
 */
export class OpenAiRecognizer implements SpeechRecognizer {
  readonly name = 'openai-transcriptions'

  constructor(private readonly options: OpenAiRecognizerOptions) {}

  async transcribe(audio: PcmAudio): Promise<string> {
    const { baseUrl, apiKey, model, language, timeoutMs } = this.options
    const url = `${baseUrl.replace(/\/+$/, '')}/audio/transcriptions`
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(encodeWav(audio))], { type: 'audio/wav' }), 'utterance.wav')
    form.append('model', model)
    form.append('response_format', 'json')
    if (language) form.append('language', language)
    let response: Response
    try {
      response = await fetch(url, { method: 'POST', headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {}, body: form, signal: AbortSignal.timeout(timeoutMs) })
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError'
      throw new RecognitionError(timedOut ? `${url} did not answer within ${timeoutMs} ms` : `${url} could not be reached: ${(err as Error).message}`)
    }
    const text = await response.text().catch(() => '')
    if (!response.ok) throw new RecognitionError(`${url} answered ${response.status}: ${errorMessage(text)}`)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw new RecognitionError(`${url} answered with something other than JSON: ${text.slice(0, 120)}`)
    }
    const transcript = (body as { text?: unknown } | null)?.text
    if (typeof transcript !== 'string') throw new RecognitionError(`${url} answered without a "text" field`)
    return transcript.trim()
  }
}

/** The OpenAI error shape's message if there is one, else the start of the body. */
function errorMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message
    if (typeof message === 'string') return message
  } catch {
    // not JSON: the raw text will do
  }
  return text.slice(0, 200) || '(empty body)'
}

/**
 * The recognizer the configuration asks for; null without STT_BASE_URL (the bot then hears that
 * the candidate speaks, not what), which is said once in the log when a logger is given.
 */
export function createRecognizer(config: Pick<Config, 'STT_BASE_URL' | 'STT_API_KEY' | 'STT_MODEL' | 'STT_LANGUAGE' | 'STT_TIMEOUT_MS'>, logger?: Logger): SpeechRecognizer | null {
  if (!config.STT_BASE_URL) {
    logger?.info('STT_BASE_URL is not set: the interview bot hears when the candidate speaks (talk time, barge-in) but cannot transcribe it')
    return null
  }
  return new OpenAiRecognizer({ baseUrl: config.STT_BASE_URL, apiKey: config.STT_API_KEY, model: config.STT_MODEL, language: config.STT_LANGUAGE, timeoutMs: config.STT_TIMEOUT_MS })
}
