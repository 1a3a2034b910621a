import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'

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
 * Loads the stock client into `page` (one from `Browser.page(origin)`, which refuses every other
 * origin) as `origin`/pipecat-client.
 */
export async function loadPipecatClient(page: Page, origin: string): Promise<Page> {
  const script = await pageScript()
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
