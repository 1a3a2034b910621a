import { expect } from 'chai'
import type { Page } from 'playwright-core'
import { hasChromium, launchBrowser, type Browser, type LaunchOptions } from './browser'
import { ctx } from './context'
import { skipUnless } from './skip'

export interface BrowserSuite {
  /** The suite's Chromium, launched before its first test. */
  browser(): Browser
  /** This test's page, allowed to reach only the test service: opened on first use, closed after the test. */
  page(): Promise<Page>
}

/**
 * Called inside a `describe`: skips the suite when Chromium is missing, launches it once for the
 * suite with `options`, and after the last test closes it and checks that no page asked for anything but the
 * test service.
 */
export function browserSuite(options: LaunchOptions = {}): BrowserSuite {
  let browser: Browser | undefined
  let page: Promise<Page> | undefined
  before(async function () {
    skipUnless(this, hasChromium, '/usr/bin/chromium is not installed (apt-get install chromium)')
    browser = await launchBrowser(options)
  })
  afterEach(async () => {
    const opened = page
    page = undefined
    // A page that failed to open has failed its test already.
    await (await opened?.catch(() => undefined))?.close()
  })
  after(async () => {
    await browser?.close()
    // Every request went to the service: the pages need no other network.
    if (browser) expect(browser.blocked).to.deep.equal([])
  })
  const launched = () => browser ?? expect.fail('Chromium is not launched yet: call browser() in a hook or test')
  return {
    browser: launched,
    page: () => (page ??= launched().page(new URL(ctx().url).origin)),
  }
}
