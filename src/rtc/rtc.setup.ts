import type { Config } from '../../config'
import type { Db } from '../db/database'
import type { Logger } from '../logger'
import type { RoomRuntime } from '../rooms/room-runtime'
import type { RoomService } from '../rooms/room.service'
import type { InterviewerFactory } from './interviewers/interviewer'
import { LlmInterviewer } from './interviewers/llm-interviewer'
import { RtcService } from './rtc.service'
import { ScriptedInterviewer } from './interviewers/scripted-interviewer'
import { EspeakSynthesizer, espeakAvailable } from './audio-out/speech'
import { createOpenAiSynthesizer } from './audio-out/openai-speech'
import { Hearing } from './audio-in/hearing'
import { createRecognizer } from './audio-in/openai-recognizer'
import type { EarsFactory, Transcribe } from './listening'
import { Voice } from './audio-out/voice'

export interface RtcSetup {
  config: Config
  db: Db
  runtime: RoomRuntime
  rooms: RoomService
  logger: Logger
}

/** The interviewer the configuration asks for. */
export function interviewerFactory(config: Config, logger: Logger): InterviewerFactory {
  if (config.INTERVIEWER === 'llm') {
    const options = { baseUrl: config.LLM_BASE_URL!, apiKey: config.LLM_API_KEY, model: config.LLM_MODEL, timeoutMs: config.LLM_TIMEOUT_MS, logger }
    return () => new LlmInterviewer(options)
  }
  return () => new ScriptedInterviewer()
}

/** The bot's voice: the speech endpoint, or espeak-ng if installed; otherwise it stays text-only and says so once. */
export async function createVoice(config: Config, logger: Logger): Promise<Voice | null> {
  if (config.SPEECH === 'none') return null
  if (config.SPEECH === 'openai') return new Voice(createOpenAiSynthesizer(config), logger)
  if (!(await espeakAvailable())) {
    logger.info('espeak-ng is not installed: the interview bot is text-only (its turns go to the data channel, not the audio track)')
    return null
  }
  return new Voice(new EspeakSynthesizer({ voice: config.ESPEAK_VOICE, rate: config.ESPEAK_RATE }), logger)
}

/** The bot's ears: every peer's audio decoded and cut into utterances by voice activity. */
export const hearing: EarsFactory = (handlers) => Hearing.create(handlers)

/** Speech to text, if STT_BASE_URL is set; otherwise the bot says once that it cannot transcribe. */
export function createTranscriber(config: Config, logger: Logger): Transcribe | null {
  const recognizer = createRecognizer(config, logger)
  return recognizer ? (utterance) => recognizer.transcribe(utterance) : null
}

export async function createRtcService({ config, db, runtime, rooms, logger }: RtcSetup): Promise<RtcService> {
  return new RtcService({ config, db, runtime, rooms, logger, interviewer: interviewerFactory(config, logger), voice: await createVoice(config, logger), ears: hearing, transcribe: createTranscriber(config, logger) })
}
