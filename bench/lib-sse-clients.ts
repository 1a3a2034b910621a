/**
 * One client process of bench/sse.bench.ts (started by lib-sse-pool.ts): raw node:http
 * event-stream readers that note when each bench event arrives, by the shared clock `epochNow`.
 */
import http from 'node:http'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { inParallel } from './lib-stats'
import { epochNow, MARKER, type FromClients, type ToClients } from './lib-sse-pool'

const MARKER_NUMBER = new RegExp(`${MARKER}(\\d+)`)
const BENCH_EVENT = 'event: problem_injected\n'

const requests: http.ClientRequest[] = []
const samples: number[] = []
let frames = 0
let ended = 0
let template: string | undefined
let closing = false
// The histogram records each timer's whole interval; the delay is what exceeds the resolution.
const LOOP_RESOLUTION_MS = 10
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })

/** Set by an `open` with `watch`: instead of bench events, note when this fact type arrives on each stream. */
let watched: string | undefined

function onBlock(block: string, at: number, streamMarker: number | undefined): void {
  frames++
  if (watched !== undefined) {
    if (streamMarker !== undefined && block.includes(watched)) samples.push(streamMarker, at)
    return
  }
  if (!block.includes(BENCH_EVENT)) return
  const marker = MARKER_NUMBER.exec(block)
  if (!marker) return
  template ??= `${block}\n\n`
  samples.push(Number(marker[1]), at)
}

/** Opens one stream and resolves once its `connected` frame has arrived. */
function open(url: string, token: string | undefined, marker?: number): Promise<void> {
  const headers: Record<string, string> = { accept: 'text/event-stream' }
  if (token) headers.authorization = `Bearer ${token}`
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false })
    req.once('error', reject)
    req.once('response', (res) => {
      res.setEncoding('utf8')
      if (res.statusCode !== 200) {
        let body = ''
        res.on('data', (chunk: string) => (body += chunk))
        res.once('end', () => reject(new Error(`GET ${url}: ${res.statusCode} ${body.slice(0, 300)}`)))
        return
      }
      let connected = false
      let pending = ''
      res.on('data', (chunk: string) => {
        const at = epochNow()
        pending += chunk
        let cut
        while ((cut = pending.indexOf('\n\n')) >= 0) {
          const block = pending.slice(0, cut)
          pending = pending.slice(cut + 2)
          if (!connected && block.includes('event: connected')) {
            connected = true
            requests.push(req)
            resolve()
          }
          onBlock(block, at, marker)
        }
      })
      res.once('close', () => {
        if (!closing && connected) ended++
        if (!connected) reject(new Error(`GET ${url}: the stream ended before its connected frame`))
      })
    })
  })
}

async function openAll(message: Extract<ToClients, { type: 'open' }>): Promise<FromClients> {
  let opened = 0
  let failed = 0
  let error: string | undefined
  if (message.watch) watched = `event: ${message.watch.event}\n`
  await inParallel(message.rooms.length, message.parallel, (i) =>
    open(`${message.baseUrl}/api/interview/${message.rooms[i]}/events`, message.token, message.watch?.markers[i]).then(
      () => opened++,
      (err: Error) => {
        failed++
        error ??= err.message
      },
    ),
  )
  loopDelay.enable()
  return { type: 'opened', opened, failed, error }
}

function collect(): FromClients {
  const reply: FromClients = { type: 'received', samples: samples.splice(0), frames, ended, loopDelayP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS), template }
  loopDelay.reset()
  return reply
}

process.on('message', async (message: ToClients) => {
  switch (message.type) {
    case 'open':
      return process.send!(await openAll(message))
    case 'collect':
      return process.send!(collect())
    case 'close':
      closing = true
      for (const req of requests) req.destroy()
      return process.send!({ type: 'closed' } satisfies FromClients)
    default:
      message satisfies never
  }
})
