import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Router from '@koa/router'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
}

interface Asset {
  type: string
  body: Buffer
  etag: string
}

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url))
/** Front-end libraries, served from the installed packages: the page needs no network but this server. */
const resolve = createRequire(import.meta.url).resolve
const VENDOR: Record<string, string> = {
  'elk-api.js': resolve('elkjs/lib/elk-api.js'),
  // ELK runs in a worker, so the page stays responsive and the layout engine loads while the page does.
  'elk-worker.min.js': resolve('elkjs/lib/elk-worker.min.js'),
}

function asset(path: string): Asset {
  const body = readFileSync(path)
  return { type: TYPES[extname(path)] ?? 'application/octet-stream', body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` }
}

/** Only the files that exist when the app starts are served: a request never picks a path. */
function loadAssets(): { page: Asset; assets: Map<string, Asset>; vendor: Map<string, Asset> } {
  const assets = new Map(readdirSync(PUBLIC_DIR).filter((f) => f in TYPES || extname(f) in TYPES).map((f) => [f, asset(join(PUBLIC_DIR, f))]))
  const vendor = new Map(Object.entries(VENDOR).map(([name, path]) => [name, asset(path)]))
  return { page: assets.get('index.html')!, assets, vendor }
}

/** `GET /visualizer`: the statechart page, its scripts and styles, all from this server. */
export function visualizerRouter(): Router {
  const { page, assets, vendor } = loadAssets()
  const router = new Router()
  const send = (ctx: Router.RouterContext, file: Asset | undefined) => {
    if (!file) return
    ctx.type = file.type
    ctx.set('ETag', file.etag)
    ctx.set('Cache-Control', 'no-cache')
    ctx.status = 200
    if (ctx.fresh) ctx.status = 304
    else ctx.body = file.body
  }
  router.get('/visualizer', (ctx) => send(ctx, page))
  router.get('/visualizer/assets/:file', (ctx) => send(ctx, assets.get(ctx.params.file ?? '')))
  router.get('/visualizer/vendor/:file', (ctx) => send(ctx, vendor.get(ctx.params.file ?? '')))
  return router
}
