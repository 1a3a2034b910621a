import { expect } from 'chai'
import { api } from '../support/http'

const attributes = (html: string, tag: string, attr: string): string[] =>
  [...html.matchAll(new RegExp(`<${tag}\\b[^>]*\\b${attr}\\s*=\\s*["']([^"']+)["']`, 'gi'))].map((m) => m[1]!)

describe('GET /visualizer', () => {
  it('returns the page, with no token', async () => {
    const reply = await api('GET', '/visualizer')
    expect(reply.status).to.equal(200)
    expect(reply.headers.get('content-type')).to.match(/^text\/html/)
    expect(reply.text).to.include('<svg id="chart"')
  })

  it('loads every script, module and stylesheet from this server, each answering 200', async () => {
    const html = (await api('GET', '/visualizer')).text
    const assets = [...attributes(html, 'script', 'src'), ...attributes(html, 'link', 'href').filter((h) => !h.startsWith('data:'))]
    expect(assets.length).to.be.greaterThan(5)
    for (const src of assets) {
      expect(src, `${src} must be a path on this server`).to.match(/^\/(?!\/)/)
      const asset = await api('GET', src)
      expect(asset.status, src).to.equal(200)
      expect(asset.headers.get('content-type'), src).to.match(/javascript|css/)
    }
  })

  it('runs no inline script (CSP script-src self)', async () => {
    const reply = await api('GET', '/visualizer')
    expect(reply.headers.get('content-security-policy')).to.match(/script-src 'self'(;|$)/)
    expect(reply.text).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/i)
  })

  it('serves the layout engine and its worker from the installed elkjs package', async () => {
    const api_ = await api('GET', '/visualizer/vendor/elk-api.js')
    const worker = await api('GET', '/visualizer/vendor/elk-worker.min.js')
    expect(api_.status).to.equal(200)
    expect(worker.status).to.equal(200)
    expect(worker.text.length).to.be.greaterThan(500_000)
  })

  it('answers 304 to a request that already has the asset', async () => {
    const first = await api('GET', '/visualizer/assets/main.js')
    // As a browser revalidates (fetch would add no-cache, which always asks for the body).
    const again = await api('GET', '/visualizer/assets/main.js', { headers: { 'if-none-match': first.headers.get('etag')!, 'cache-control': 'max-age=0' } })
    expect(again.status).to.equal(304)
  })

  it('answers 404 for a file it does not serve, and never reads outside its folder', async () => {
    for (const path of ['/visualizer/assets/nope.js', '/visualizer/assets/..%2Fvisualizer.routes.ts', '/visualizer/vendor/..%2F..%2Fpackage.json', '/visualizer/vendor/elk.bundled.js']) {
      expect((await api('GET', path)).status, path).to.equal(404)
    }
  })
})
