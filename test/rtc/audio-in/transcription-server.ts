import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseWav } from '../../../src/rtc/audio-out/speech'

/** What one request to the fake transcription endpoint carried. */
export interface TranscriptionRequest {
  headers: IncomingHttpHeaders
  fields: Record<string, string>
  fileName: string | null
  fileType: string | null
  wav: { rate: number; samples: Int16Array } | null
  /** Why the WAV could not be read, if it could not. */
  wavError: string | null
}

export interface TranscriptionServer {
  url: string
  requests: TranscriptionRequest[]
  close(): Promise<void>
}

/**
 * A small server speaking the OpenAI `POST /v1/audio/transcriptions` protocol: it parses the
 * multipart body, reads the WAV, records all of it, and answers `{text}` from `reply` (or an
 * OpenAI-style error when `reply` returns a status number; `hang` never answers).
 */
export async function transcriptionServer(reply: (request: TranscriptionRequest) => string | number | 'hang'): Promise<TranscriptionServer> {
  const requests: TranscriptionRequest[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      void (async () => {
        if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') return void res.writeHead(404).end()
        const form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData()
        const fields: Record<string, string> = {}
        let file = null as File | null
        form.forEach((value, key) => {
          if (typeof value === 'string') fields[key] = value
          else if (key === 'file') file = value
        })
        const request: TranscriptionRequest = { headers: req.headers, fields, fileName: file?.name ?? null, fileType: file?.type ?? null, wav: null, wavError: null }
        try {
          request.wav = file ? parseWav(Buffer.from(await file.arrayBuffer())) : null
        } catch (err) {
          request.wavError = (err as Error).message
        }
        requests.push(request)
        const answer = reply(request)
        if (answer === 'hang') return
        if (typeof answer === 'number') return void res.writeHead(answer, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }))
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: answer }))
      })()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve()).closeAllConnections()),
  }
}
