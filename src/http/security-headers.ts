import type { Middleware } from 'koa'

const HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Pages are served from this origin only (docs, visualizer): no inline script, no CDN.
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
}

export const securityHeaders = (): Middleware => async (ctx, next) => {
  ctx.set(HEADERS)
  ctx.remove('X-Powered-By')
  await next()
}
