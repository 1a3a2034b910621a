import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One upload the server accepted: what was sent, and the WAV's format, length and loudness. */
export interface TranscriptionRequest {
  headers: IncomingHttpHeaders
  /** The form's text fields (`model`, `language`, `response_format`, …). */
  fields: Record<string, string>
  model: string | null
  fileName: string
  fileType: string
  sampleRate: number
  channels: number
  bitsPerSample: number
  samples: Int16Array
  durationMs: number
  /** Root mean square of the samples (0–1): speech is far above digital silence. */
  rms: number
}

/** The text to answer; or a status, answered with an OpenAI-style error; or `'hang'`, never answered. */
export type TranscriptionAnswer = string | number

export interface TranscriptionServer {
  /** `STT_BASE_URL` for the service: `http://127.0.0.1:<port>/v1`. */
  baseUrl: string
  requests: TranscriptionRequest[]
  /** Uploads that were not a valid request with a WAV file, with the reason (answered 400). */
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

/** Reads a multipart upload with a `file` part holding a WAV; throws naming what is wrong. */
async function readUpload(req: IncomingMessage, chunks: Buffer[]): Promise<TranscriptionRequest> {
  if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') throw new Error(`${req.method} ${req.url}`)
  const form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData()
  const fields: Record<string, string> = {}
  form.forEach((value, key) => {
    if (typeof value === 'string') fields[key] = value
  })
  const file = form.get('file')
  if (!file || typeof file === 'string') throw new Error('no file part')
  const wav = readWav(Buffer.from(await file.arrayBuffer()))
  let sum = 0
  for (const s of wav.samples) sum += (s / 32768) ** 2
  return {
    headers: req.headers,
    fields,
    model: fields.model ?? null,
    fileName: file.name,
    fileType: file.type,
    ...wav,
    durationMs: (wav.samples.length / wav.channels / wav.sampleRate) * 1000,
    rms: Math.sqrt(sum / Math.max(1, wav.samples.length)),
  }
}

/**
 * An OpenAI-protocol transcription endpoint on loopback (`POST /v1/audio/transcriptions`,
 * multipart with a `file` and a `model`), as hosted Whisper services and local Whisper servers
 * speak it. It checks and records what it receives and answers from `answer`.
 */
export async function startTranscriptionServer(answer: (request: TranscriptionRequest, index: number) => TranscriptionAnswer): Promise<TranscriptionServer> {
  const requests: TranscriptionRequest[] = []
  const refused: string[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      void (async () => {
        const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
        try {
          const request = await readUpload(req, chunks)
          requests.push(request)
          const text = answer(request, requests.length - 1)
          if (text === 'hang') return
          if (typeof text === 'number') return reply(text, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } })
          reply(200, { text })
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
    // Also ends a request left hanging, which would otherwise hold the server open.
    close: () => new Promise((resolve) => server.close(() => resolve()).closeAllConnections()),
  }
}
