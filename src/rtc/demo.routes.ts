import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Router from '@koa/router'

const DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'demo')

/** The page's files by the name they are served under; nothing else is ever read from disk. */
const FILES: Record<string, { file: string; type: string }> = {
  '/demo': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/demo/demo.js': { file: 'demo.js', type: 'application/javascript; charset=utf-8' },
  '/demo/demo.css': { file: 'demo.css', type: 'text/css; charset=utf-8' },
}

/** GET /demo: a small page that joins a room's interview bot from the browser (no CDN, no inline script). */
export function demoRouter(): Router {
  const router = new Router()
  const cache = new Map<string, Buffer>()
  for (const [path, { file, type }] of Object.entries(FILES)) {
    router.get(path, (ctx) => {
      let body = cache.get(file)
      if (!body) cache.set(file, (body = readFileSync(join(DIR, file))))
      ctx.type = type
      ctx.set('Cache-Control', 'no-cache')
      ctx.body = body
    })
  }
  return router
}
