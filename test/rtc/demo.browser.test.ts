import { expect } from 'chai'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { ctx } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'
import { sleep } from '../support/runtime'
import { skipUnless } from '../support/skip'
import { openBotRoom } from './rooms'

const CHROMIUM = '/usr/bin/chromium'
const ARGS = [
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
  // Gives Chromium a loopback ICE candidate, so the media path is 127.0.0.1 on both ends.
  '--allow-loopback-in-peer-connection',
]

describe('GET /demo in headless Chromium', function () {
  this.timeout(60_000)
  let profile: string
  let browser: BrowserContext
  let page: Page
  let user: TestUser
  const outside: string[] = []

  before(async function () {
    skipUnless(this, existsSync(CHROMIUM), 'chromium is not installed')
    profile = mkdtempSync(join(tmpdir(), 'demo-chromium-'))
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS })
    page = await browser.newPage()
    const origin = new URL(ctx().url).origin
    // The page must need nothing but this server: anything else is recorded and refused.
    await page.route(
      (url) => url.origin !== origin,
      (route) => {
        outside.push(route.request().url())
        return route.abort('blockedbyclient')
      },
    )
    user = await newUser('demo')
  })
  after(async () => {
    await browser?.close()
    if (profile) rmSync(profile, { recursive: true, force: true })
  })

  const botSaid = (text: string) => page.locator('#messages li.bot', { hasText: text }).first().waitFor({ timeout: 15_000 })

  it('joins a room with a fake microphone, shows the bot’s turns, sends answers, and records the call', async () => {
    const roomId = await openBotRoom(user)
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(`${ctx().url}/demo?room_id=${roomId}`)
    await page.fill('#email', user.email)
    await page.fill('#password', user.password)
    await page.click('#login')
    await page.locator('#who', { hasText: `signed in as ${user.username}` }).waitFor()
    await page.click('#join')
    await botSaid('Hello, and welcome to Bot test.')
    await page.locator('#status', { hasText: 'connected' }).waitFor()

    await page.click('[data-command="timer/start"]')
    await botSaid('Part 1 of 2: Reverse a linked list.')
    await page.fill('#say', 'Flip the pointers as I walk the list.')
    await page.click('#send')
    await page.locator('#messages li.me', { hasText: 'Flip the pointers' }).waitFor()
    await botSaid('What are the time and space complexity of that approach?')

    await sleep(1_000)
    await page.click('#leave')
    let recordings: Array<{ duration_seconds: number; size_bytes: number }> = []
    for (let i = 0; i < 200 && recordings.length === 0; i++, await sleep(50)) {
      recordings = (await api('GET', `/api/interview/${roomId}/recordings`, { token: user.token })).body.recordings
    }
    expect(recordings, 'the fake microphone was recorded').to.have.length(1)
    expect(recordings[0]!.size_bytes).to.be.greaterThan(1_000)
    expect(errors).to.deep.equal([])
    expect(outside).to.deep.equal([])
  })
})
