import { readdir } from 'node:fs/promises'
import { Gauge, collectDefaultMetrics, type Registry } from 'prom-client'

/**
 * prom-client's default collectors that walk every open file descriptor or libuv handle on the
 * main thread at each scrape: at 10,000 open sockets, 14 ms to list /proc/self/fd, and 2.6–4.3 ms
 * for each of the (twice repeated) handle and resource walks, during which no SSE event and no
 * command goes out. They are replaced below: the totals stay under the same names, the
 * per-type breakdowns (`nodejs_active_handles`, `_requests`, `_resources` by type) are left out.
 */
const WALKING_COLLECTORS = [
  'process_open_fds',
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_requests',
  'nodejs_active_requests_total',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
]

/**
 * Node.js and process metrics as prom-client's defaults name them (CPU, memory, heap, event-loop
 * lag, GC, file descriptors, active handles), at a cost a scrape can pay with many open streams.
 */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry })
  for (const name of WALKING_COLLECTORS) registry.removeSingleMetric(name)

  if (process.platform === 'linux') {
    new Gauge({
      name: 'process_open_fds',
      help: 'Number of open file descriptors.',
      registers: [registry],
      // Listed on libuv's thread pool, not the main thread; minus the descriptor of the listing itself.
      async collect() {
        const fds = await readdir('/proc/self/fd').catch(() => undefined)
        if (fds) this.set(fds.length - 1)
      },
    })
  }
  // One walk each; handles and requests are what keep the event loop alive (timers aside).
  new Gauge({ name: 'nodejs_active_handles_total', help: 'Total number of active handles.', registers: [registry], collect() { this.set(activeHandles()) } })
  new Gauge({ name: 'nodejs_active_requests_total', help: 'Total number of active requests.', registers: [registry], collect() { this.set(activeRequests()) } })
}

// Undocumented but long-standing (prom-client reads the same); 0 where a Node.js version drops them.
const internals = process as unknown as { _getActiveHandles?: () => unknown[]; _getActiveRequests?: () => unknown[] }
const activeHandles = () => internals._getActiveHandles?.().length ?? 0
const activeRequests = () => internals._getActiveRequests?.().length ?? 0
