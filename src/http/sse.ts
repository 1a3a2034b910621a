import type { ServerResponse } from 'node:http'

export interface SseMessage {
  id?: number
  event: string
  data: unknown
}

export const formatSse = (message: SseMessage): string =>
  `${message.id === undefined ? '' : `id: ${message.id}\n`}event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`

/**
 * One open event stream. Writes never wait: when more than `maxBufferBytes` are queued for a
 * slow client, the stream is closed (it resumes with Last-Event-ID) so it never slows the rest.
 */
export class SseStream {
  closed = false
  private opened = false

  constructor(
    private readonly res: ServerResponse,
    private readonly maxBufferBytes: number,
    private readonly onClose: (reason: 'client' | 'overflow' | 'server') => void,
  ) {
    res.on('close', () => this.finish('client'))
  }

  /** Sends the response head; the first bytes tell the client how soon to reconnect. */
  open(retryMs: number): void {
    this.opened = true
    this.res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    })
    this.res.socket?.setNoDelay(true)
    this.write(`retry: ${retryMs}\n\n`)
  }

  send(message: SseMessage): boolean {
    return this.write(formatSse(message))
  }

  write(chunk: string): boolean {
    // A heartbeat can come while the room's status is still being read: a write before the head
    // would send Node's default head (Koa's 404, no content type) and break the stream.
    if (this.closed || !this.opened) return false
    if (this.res.writableLength > this.maxBufferBytes) {
      this.finish('overflow')
      this.res.destroy()
      return false
    }
    this.res.write(chunk)
    return true
  }

  /**
   * Resolves once what is queued has gone to the socket (or the stream closed). Everything written
   * in one tick stays queued until the next, so a replay that writes a whole page at once would
   * trip the slow-client cap even for a fast client; replays wait here instead.
   */
  drained(): Promise<void> {
    if (this.closed || !this.res.writableNeedDrain) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done).off('close', done)
        resolve()
      }
      this.res.on('drain', done).on('close', done)
    })
  }

  /** Ends the stream cleanly, after a last retry hint (server shutdown). */
  end(retryMs?: number): void {
    if (this.closed) return
    if (!this.opened) {
      // Ended while it was being set up (a logout, a shutdown): nothing was sent, so nothing is ended cleanly.
      this.finish('server')
      this.res.destroy()
      return
    }
    if (retryMs !== undefined) this.res.write(`retry: ${retryMs}\n\n`)
    this.finish('server')
    this.res.end()
  }

  private finish(reason: 'client' | 'overflow' | 'server'): void {
    if (this.closed) return
    this.closed = true
    this.onClose(reason)
  }
}
