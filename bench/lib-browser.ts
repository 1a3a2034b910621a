import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = (): boolean => existsSync(CHROMIUM)

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export interface BenchBrowser {
  /** A new page that may reach only `origin`; anything else is aborted. */
  page(origin: string): Promise<Page>
  close(): Promise<void>
}

/** Debian's chromium, headless, in a fresh profile deleted on close (so the first page load is a cold one). */
export async function launchBenchBrowser(): Promise<BenchBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'bench-chromium-'))
  const context: BrowserContext = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 900 } })
  return {
    async page(origin) {
      const page = await context.newPage()
      await page.route((url) => url.origin !== origin, (route) => route.abort('blockedbyclient'))
      return page
    },
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
