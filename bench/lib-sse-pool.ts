import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

/**
 * The bench's shared clock: milliseconds since the epoch with sub-millisecond resolution.
 * process.hrtime is per process; `performance.timeOrigin` is read from the system clock when each
 * process starts, so this reading is comparable between processes on one machine.
 */
export const epochNow = (): number => performance.timeOrigin + performance.now()

/** Bench events carry `sse-bench #<n>` in their text; n is the bench's sequence number. */
export const MARKER = 'sse-bench #'

/** `watch`: note when `event` arrives on each stream, as `markers[i]` for the stream of `rooms[i]` (instead of bench events). */
export type Watch = { event: string; markers: number[] }
export type ToClients = { type: 'open'; baseUrl: string; rooms: string[]; token?: string; parallel: number; watch?: Watch } | { type: 'collect' } | { type: 'close' }
export type FromClients =
  | { type: 'opened'; opened: number; failed: number; error?: string }
  /** `samples` is flat: marker, receive time, marker, receive time … */
  | { type: 'received'; samples: number[]; frames: number; ended: number; loopDelayP99Ms: number; template?: string }
  | { type: 'closed' }

export interface Received {
  /** Receive time by marker, one entry per delivery. */
  samples: Array<{ marker: number; at: number }>
  frames: number
  /** Streams that ended while they should have stayed open. */
  ended: number
  /** The worst client process's event-loop delay p99 since the streams opened (ms): whether the clients kept up. */
  loopDelayP99Ms: number
  /** One bench event frame as received, so the baseline can send frames of the same size. */
  template?: string
}

function ask<T extends FromClients['type']>(child: ChildProcess, message: ToClients, answer: T): Promise<Extract<FromClients, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`an SSE client process exited (${code})`))
    child.once('exit', onExit)
    child.once('message', (reply: FromClients) => {
      child.off('exit', onExit)
      if (reply.type === answer) resolve(reply as Extract<FromClients, { type: T }>)
      else reject(new Error(`unexpected ${reply.type} from an SSE client process`))
    })
    child.send(message)
  })
}

/** SSE clients spread over `processes` child processes (bench/lib-sse-clients.ts); client i lives in process i mod n. */
export class ClientPool {
  private constructor(private readonly children: ChildProcess[]) {}

  static start(processes: number): ClientPool {
    const script = join(import.meta.dirname, 'lib-sse-clients.ts')
    return new ClientPool(Array.from({ length: processes }, () => fork(script, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })))
  }

  /** The client processes' pids (for their CPU, say). */
  get pids(): number[] {
    return this.children.map((child) => child.pid!)
  }

  /** Opens one stream per entry of `rooms` (the room it follows), `parallel` at a time per process. */
  async open(baseUrl: string, rooms: string[], token: string | undefined, parallel: number, watch?: Watch): Promise<{ opened: number; failed: number; error?: string }> {
    const n = this.children.length
    const mine = <T>(list: T[], p: number) => list.filter((_, i) => i % n === p)
    const replies = await Promise.all(
      this.children.map((child, p) => ask(child, { type: 'open', baseUrl, rooms: mine(rooms, p), token, parallel, watch: watch && { event: watch.event, markers: mine(watch.markers, p) } }, 'opened')),
    )
    return { opened: sum(replies.map((r) => r.opened)), failed: sum(replies.map((r) => r.failed)), error: replies.find((r) => r.error)?.error }
  }

  /** Takes what each process received since the last collect. */
  async collect(): Promise<Received> {
    const replies = await Promise.all(this.children.map((child) => ask(child, { type: 'collect' }, 'received')))
    const samples: Received['samples'] = []
    for (const reply of replies) for (let i = 0; i < reply.samples.length; i += 2) samples.push({ marker: reply.samples[i]!, at: reply.samples[i + 1]! })
    return {
      samples,
      frames: sum(replies.map((r) => r.frames)),
      ended: sum(replies.map((r) => r.ended)),
      loopDelayP99Ms: Math.max(...replies.map((r) => r.loopDelayP99Ms)),
      template: replies.find((r) => r.template)?.template,
    }
  }

  /** Closes the streams and stops the processes (also after a failure: never throws). */
  async close(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = new Promise((resolve) => child.once('exit', resolve))
        await Promise.race([ask(child, { type: 'close' }, 'closed').catch(() => undefined), exited])
        child.kill('SIGKILL')
        await exited
      }),
    )
  }
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0)
