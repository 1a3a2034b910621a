import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { interviewRoomMachine } from '../../machines/interview-room'
import { allStates, allTransitions, describeMachine } from '../../src/visualizer/machine-definition'
import { browserSuite } from '../support/browser-suite'
import { ctx } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'

const ARTIFACTS = 'test/artifacts'
const definition = describeMachine(interviewRoomMachine)
const phases = [1, 2, 3].map((sequence) => ({ sequence, question_id: `q${sequence}`, question_type: 'coding', duration_minutes: 10, instructions: `phase ${sequence}` }))

async function openRoom(user: TestUser, commands: string[] = []): Promise<string> {
  const roomId = `viz-${randomUUID().slice(0, 12)}`
  const opened = await api('POST', '/api/start-interview', { token: user.token, body: { room_id: roomId, phases } })
  expect(opened.status, opened.text).to.equal(201)
  for (const command of commands) {
    const reply = await api('POST', `/api/interview/${roomId}/${command}`, { token: user.token })
    expect(reply.status, `${command}: ${reply.text}`).to.equal(200)
  }
  return roomId
}

const activeLeaf = (page: Page) => page.locator('.state.active:not(.parent)').getAttribute('data-path')

describe('the visualizer page in a browser', function () {
  this.timeout(60_000)
  const chromium = browserSuite()
  let user: TestUser

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    user = await newUser('viz')
  })

  it('draws one node per state, nested, with initial markers and every transition labelled with its event and guard', async () => {
    const page = await chromium.page()
    await page.goto(`${ctx().url}/visualizer`)
    await page.waitForSelector('body[data-chart="ready"]')
    const states = allStates(definition)
    expect(await page.locator('svg#chart .state').count()).to.equal(states.length)
    expect(await page.locator('svg#chart circle.initial').count()).to.equal(states.filter((s) => s.initial).length)
    const box = async (path: string) => (await page.locator(`.state[data-path="${path}"] > rect.box`).boundingBox())!
    const [parent, child] = [await box('in_progress'), await box('in_progress.running')]
    expect(child.x).to.be.greaterThan(parent.x)
    expect(child.y + child.height).to.be.lessThan(parent.y + parent.height)
    const labels = await page.locator('svg#chart .transition').allTextContents()
    for (const t of allTransitions(definition)) expect(labels, t.id).to.include(`${t.event}${t.guard ? ` [${t.guard}]` : ''}`)
    await page.screenshot({ path: `${ARTIFACTS}/visualizer-chart.png` })
  })

  it('shows a clicked state’s description and the facts that lead there', async () => {
    const page = await chromium.page()
    await page.goto(`${ctx().url}/visualizer`)
    await page.waitForSelector('body[data-chart="ready"]')
    await page.locator('.state[data-path="in_progress.paused"] > text.title').click()
    const details = await page.locator('#details').textContent()
    expect(details).to.include('The phase clock is frozen')
    expect(details).to.include('timer_paused [isCurrentPhase] from in_progress.running')
  })

  it('live mode highlights the state reached after a timer/pause command made over HTTP', async () => {
    const page = await chromium.page()
    const roomId = await openRoom(user, ['timer/start'])
    await page.goto(`${ctx().url}/visualizer?machine=interview-room&mode=live&actor=${roomId}#token=${user.token}`)
    await page.waitForFunction(() => document.getElementById('connection')?.textContent === 'connected')
    expect(await activeLeaf(page)).to.equal('in_progress.running')
    expect(page.url(), 'the token leaves the address bar').not.to.include(user.token)

    expect((await api('POST', `/api/interview/${roomId}/timer/pause`, { token: user.token })).status).to.equal(200)
    await page.waitForSelector('.state.active[data-path="in_progress.paused"]')
    expect(await activeLeaf(page)).to.equal('in_progress.paused')
    expect(await page.locator('.transition.taken').first().getAttribute('data-transition')).to.equal('interview-room.in_progress.running:timer_paused:0')
    expect(await page.locator('#live-status').textContent()).to.include('paused')
    await page.screenshot({ path: `${ARTIFACTS}/visualizer-live.png` })
  })

  it('replay mode opens at the version in the URL and steps through the history', async () => {
    const page = await chromium.page()
    const roomId = await openRoom(user, ['timer/start', 'timer/pause', 'timer/resume', 'phase/next', 'end'])
    const history = (await api('GET', `/api/interview/${roomId}/history`, { token: user.token })).body.events as { version: number; state_value: string; at: string }[]
    await page.goto(`${ctx().url}/visualizer?machine=interview-room&mode=replay&actor=${roomId}&version=3#token=${user.token}`)
    await page.waitForSelector('body[data-history="ready"]')
    expect(await page.locator('#position').textContent()).to.equal(`version 3 of ${history.length}`)
    expect(await activeLeaf(page)).to.equal(history[2]!.state_value)
    expect(await page.locator('.transition.taken').first().getAttribute('data-transition')).to.equal('interview-room.in_progress.running:timer_paused:0')

    await page.click('#next')
    expect(await activeLeaf(page)).to.equal(history[3]!.state_value)
    expect(await page.locator('#event').textContent()).to.include('timer_resumed')
    await page.click('#last')
    expect(await activeLeaf(page)).to.equal(history.at(-1)!.state_value)
    await page.click('#first')
    expect(await page.locator('#position').textContent()).to.equal(`version 1 of ${history.length}`)
    await page.keyboard.press('ArrowRight')
    expect(await page.locator('#position').textContent()).to.equal(`version 2 of ${history.length}`)
    await page.locator('#slider').fill('3')
    expect(await activeLeaf(page)).to.equal(history[3]!.state_value)
    await page.waitForFunction(() => location.search.includes('version=4'))
    await page.screenshot({ path: `${ARTIFACTS}/visualizer-replay.png` })
  })

  it('replay mode opens at the time in the URL, and plays to the end', async () => {
    const page = await chromium.page()
    const roomId = await openRoom(user, ['timer/start', 'timer/pause'])
    const history = (await api('GET', `/api/interview/${roomId}/history`, { token: user.token })).body.events as { version: number; at: string }[]
    await page.goto(`${ctx().url}/visualizer?machine=interview-room&mode=replay&actor=${roomId}&at=${encodeURIComponent(history[1]!.at)}#token=${user.token}`)
    await page.waitForSelector('body[data-history="ready"]')
    expect(await page.locator('#position').textContent()).to.equal(`version 2 of ${history.length}`)
    await page.selectOption('#speed', '100')
    await page.click('#play')
    await page.waitForFunction((n) => document.getElementById('position')?.textContent === `version ${n} of ${n}`, history.length)
    expect(await activeLeaf(page)).to.equal('in_progress.paused')
  })
})
