import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'

/** Chromium with a fake microphone (a tone, or `wav` played as speech), loopback ICE, and audio allowed to play. */
export function chromiumArgs(wav?: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    ...(wav ? [`--use-file-for-fake-audio-capture=${wav}`] : []),
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
  ]
}

let bundle: Promise<string> | undefined

/** page.js with the stock Pipecat packages, bundled once per run. */
function pageScript(): Promise<string> {
  bundle ??= build({ entryPoints: [fileURLToPath(new URL('./page.js', import.meta.url))], bundle: true, format: 'iife', platform: 'browser', write: false, logLevel: 'error' }).then(
    (result) => result.outputFiles[0]!.text,
  )
  return bundle
}

export interface Seen {
  event: string
  at: number
  data?: any
}

/**
 * A page at `origin`/pipecat-client running the stock client; any request to another origin is
 * refused and recorded in `outside`.
 */
export async function openPipecatPage(context: BrowserContext, origin: string, outside: string[]): Promise<Page> {
  const script = await pageScript()
  const page = await context.newPage()
  await page.route(
    (url) => url.origin !== origin,
    (route) => {
      outside.push(route.request().url())
      return route.abort('blockedbyclient')
    },
  )
  await page.route(`${origin}/pipecat-client`, (route) =>
    route.fulfill({ contentType: 'text/html', body: `<!doctype html><meta charset="utf-8"><title>Pipecat client</title><script>${script.replace(/<\/script/gi, '<\\/script')}</script>` }),
  )
  await page.goto(`${origin}/pipecat-client`)
  return page
}

/** Everything the page's client saw so far. */
export const seen = (page: Page): Promise<Seen[]> => page.evaluate(() => (window as any).seen as Seen[])

/** Waits for the first event (from index `from`) that matches. */
export async function waitSeen(page: Page, match: (s: Seen) => boolean, from = 0, timeoutMs = 15_000): Promise<Seen> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const all = await seen(page)
    const found = all.slice(from).find(match)
    if (found) return found
    if (Date.now() > until) throw new Error(`not seen in ${timeoutMs} ms; saw ${JSON.stringify(all.filter((s) => s.event !== 'audio').map((s) => s.event))}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
