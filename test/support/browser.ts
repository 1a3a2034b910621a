import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export interface Browser {
  context: BrowserContext
  /** A new page that may reach only `origin`; every other request is aborted and recorded in `blocked`. */
  page(origin: string): Promise<Page>
  blocked: string[]
  close(): Promise<void>
}

/** Debian's chromium, headless, in a fresh profile that is deleted on close. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'visualizer-chromium-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 900 } })
  const blocked: string[] = []
  return {
    context,
    blocked,
    async page(origin: string) {
      const page = await context.newPage()
      await page.route(
        (url) => url.origin !== origin,
        (route) => {
          blocked.push(route.request().url())
          return route.abort('blockedbyclient')
        },
      )
      return page
    },
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
