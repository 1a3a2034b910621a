import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What the server made of one upload: the WAV's format and length, or why it was refused. */
export interface TranscriptionRequest {
  model: string | null
  sampleRate: number
  channels: number
  bitsPerSample: number
  durationMs: number
  /** Root mean square of the samples (0–1): speech is far above digital silence. */
  rms: number
}

export interface TranscriptionServer {
  /** `STT_BASE_URL` for the service: `http://127.0.0.1:<port>/v1`. */
  baseUrl: string
  requests: TranscriptionRequest[]
  /** Uploads that were not a valid request with a WAV file, with the reason. */
  refused: string[]
  close(): Promise<void>
}

/** Reads a RIFF/WAVE PCM file; throws naming what is wrong. */
export function readWav(bytes: Buffer): { sampleRate: number; channels: number; bitsPerSample: number; samples: Int16Array } {
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a RIFF/WAVE file')
  let offset = 12
  let format: { sampleRate: number; channels: number; bitsPerSample: number } | undefined
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4)
    const size = bytes.readUInt32LE(offset + 4)
    const body = offset + 8
    if (id === 'fmt ') {
      if (bytes.readUInt16LE(body) !== 1) throw new Error('not PCM')
      format = { channels: bytes.readUInt16LE(body + 2), sampleRate: bytes.readUInt32LE(body + 4), bitsPerSample: bytes.readUInt16LE(body + 14) }
    } else if (id === 'data') {
      if (!format) throw new Error('data before fmt')
      if (format.bitsPerSample !== 16) throw new Error(`${format.bitsPerSample}-bit samples`)
      const end = Math.min(bytes.length, body + size)
      const samples = new Int16Array(Math.floor((end - body) / 2))
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(body + i * 2)
      return { ...format, samples }
    }
    offset = body + size + (size % 2)
  }
  throw new Error('no data chunk')
}

/**
 * An OpenAI-protocol transcription endpoint on loopback (`POST /v1/audio/transcriptions`,
 * multipart with a `file` and a `model`), as hosted Whisper services and local Whisper servers
 * speak it. It checks what it receives and answers `{text}` from `answer`.
 */
export async function startTranscriptionServer(answer: (request: TranscriptionRequest, index: number) => string): Promise<TranscriptionServer> {
  const requests: TranscriptionRequest[] = []
  const refused: string[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      void (async () => {
        const reply = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' })
          res.end(JSON.stringify(body))
        }
        try {
          if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') throw new Error(`${req.method} ${req.url}`)
          const form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData()
          const file = form.get('file')
          if (!file || typeof file === 'string') throw new Error('no file part')
          const wav = readWav(Buffer.from(await file.arrayBuffer()))
          let sum = 0
          for (const s of wav.samples) sum += (s / 32768) ** 2
          const request: TranscriptionRequest = {
            model: typeof form.get('model') === 'string' ? (form.get('model') as string) : null,
            sampleRate: wav.sampleRate,
            channels: wav.channels,
            bitsPerSample: wav.bitsPerSample,
            durationMs: (wav.samples.length / wav.channels / wav.sampleRate) * 1000,
            rms: Math.sqrt(sum / Math.max(1, wav.samples.length)),
          }
          requests.push(request)
          reply(200, { text: answer(request, requests.length - 1) })
        } catch (error) {
          refused.push((error as Error).message)
          reply(400, { error: { message: (error as Error).message } })
        }
      })()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    refused,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
