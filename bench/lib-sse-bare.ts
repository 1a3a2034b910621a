/**
 * The floor for bench/sse.bench.ts: a bare node:http SSE server, run as its own process. It serves
 * the same GET path with the same response head, sends a `connected` frame, keeps the sockets per
 * room, and on `POST /publish {room_id, frame}` answers first, then writes the frame as given to
 * every client of that room. No auth, no database, no framework.
 */
import http, { type ServerResponse } from 'node:http'

const EVENTS_PATH = /^\/api\/interview\/([A-Za-z0-9_-]{1,64})\/events$/
const rooms = new Map<string, Set<ServerResponse>>()

function openStream(roomId: string, res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' })
  res.socket?.setNoDelay(true)
  res.write('retry: 3000\n\n')
  res.write(`event: connected\ndata: ${JSON.stringify({ room_id: roomId, timestamp: new Date().toISOString() })}\n\n`)
  let clients = rooms.get(roomId)
  if (!clients) rooms.set(roomId, (clients = new Set()))
  const set = clients
  set.add(res)
  res.on('close', () => set.delete(res))
}

function publish(body: string, res: ServerResponse): void {
  const { room_id: roomId, frame } = JSON.parse(body) as { room_id: string; frame: string }
  const clients = rooms.get(roomId)
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ clients: clients?.size ?? 0 }))
  if (clients) for (const client of clients) client.write(frame)
}

const server = http.createServer((req, res) => {
  const url = req.url ?? '/'
  const room = EVENTS_PATH.exec(url.split('?')[0]!)?.[1]
  if (req.method === 'GET' && room) return openStream(room, res)
  if (req.method === 'GET' && url === '/ready') return void res.end('ok')
  if (req.method === 'POST' && url === '/publish') {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => publish(body, res))
    return
  }
  res.writeHead(404).end()
})
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1')
