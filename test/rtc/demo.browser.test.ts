import { expect } from 'chai'
import { browserSuite } from '../support/browser-suite'
import { ctx } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'
import { sleep } from '../support/runtime'
import { openBotRoom } from './rooms'

describe('GET /demo in headless Chromium', function () {
  this.timeout(60_000)
  const chromium = browserSuite({ microphone: 'beep' })
  let user: TestUser

  before(async () => {
    user = await newUser('demo')
  })

  const botSaid = async (text: string) => (await chromium.page()).locator('#messages li.bot', { hasText: text }).first().waitFor({ timeout: 15_000 })

  it('joins a room with a fake microphone, shows the bot’s turns, sends answers, and records the call', async () => {
    const page = await chromium.page()
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
    // The page must need nothing but this server.
    expect(chromium.browser().blocked).to.deep.equal([])
  })
})
