import type { Middleware } from 'koa'
import type { Metrics } from '../metrics/metrics'

/** Counts and times every request by its route template (never the raw path: ids would explode the labels). */
export const httpMetrics = (metrics: Metrics['http']): Middleware => async (ctx, next) => {
  const stop = metrics.duration.startTimer()
  try {
    await next()
  } finally {
    const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? '(unmatched)'
    stop({ method: ctx.method, route })
    metrics.requests.inc({ method: ctx.method, route, status: String(ctx.status) })
  }
}
