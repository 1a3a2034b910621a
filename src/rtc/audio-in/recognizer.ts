/** Mono 16-bit PCM and its rate: an utterance as the recognizer takes it. */
export interface PcmAudio {
  samples: Int16Array
  sample_rate: number
}

/** Turns the candidate's speech into text. An OpenAI-compatible endpoint is one engine; another can be plugged in here. */
export interface SpeechRecognizer {
  readonly name: string
  /** The words said; '' when nothing was recognised. Rejects with a RecognitionError. */
  transcribe(audio: PcmAudio): Promise<string>
}

/** The recognizer could not give a transcript (unreachable, refused, too slow, or a malformed answer). */
export class RecognitionError extends Error {
  override name = 'RecognitionError'
}

/** A WAV file (RIFF, 16-bit PCM, mono) holding the samples. */
export function encodeWav({ samples, sample_rate }: PcmAudio): Buffer {
  const data = samples.length * 2
  const wav = Buffer.alloc(44 + data)
  wav.write('RIFF', 0, 'ascii')
  wav.writeUInt32LE(36 + data, 4)
  wav.write('WAVE', 8, 'ascii')
  wav.write('fmt ', 12, 'ascii')
  wav.writeUInt32LE(16, 16)
  wav.writeUInt16LE(1, 20) // PCM
  wav.writeUInt16LE(1, 22) // mono
  wav.writeUInt32LE(sample_rate, 24)
  wav.writeUInt32LE(sample_rate * 2, 28) // bytes per second
  wav.writeUInt16LE(2, 32) // bytes per frame
  wav.writeUInt16LE(16, 34)
  wav.write('data', 36, 'ascii')
  wav.writeUInt32LE(data, 40)
  for (let i = 0; i < samples.length; i++) wav.writeInt16LE(samples[i]!, 44 + i * 2)
  return wav
}
