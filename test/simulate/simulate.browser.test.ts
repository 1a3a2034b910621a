import { expect } from 'chai'
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { browserSuite } from '../support/browser-suite'
import { ctx } from '../support/context'
import { api, newUser, type TestUser } from '../support/http'
import { storedEvents } from '../support/rooms'

const ARTIFACTS = 'test/artifacts'
const phases = [1, 2].map((sequence) => ({ sequence, question_id: `q${sequence}`, question_type: 'coding', duration_minutes: 10, instructions: `phase ${sequence}` }))

async function openRoom(user: TestUser, commands: string[]): Promise<string> {
  const roomId = `simviz-${randomUUID().slice(0, 12)}`
  const opened = await api('POST', '/api/start-interview', { token: user.token, body: { room_id: roomId, phases, warning_fraction: 0.8 } })
  expect(opened.status, opened.text).to.equal(201)
  for (const command of commands) expect((await api('POST', `/api/interview/${roomId}/${command}`, { token: user.token })).status, command).to.equal(200)
  return roomId
}

const activeLeaf = (page: Page) => page.locator('.state.active:not(.parent)').getAttribute('data-path')
const taken = (page: Page) => page.locator('.transition.taken').first().getAttribute('data-transition')
const stepCount = (page: Page) => page.locator('#sim-steps li').count()

/** Clicks a step button and waits for the server's answer to be shown. */
async function act(page: Page, selector: string) {
  const before = await stepCount(page)
  await page.click(selector)
  await page.waitForFunction((n) => document.querySelectorAll('#sim-steps li').length === n, before + 1)
}

/** What the page shows of a simulation: enough to tell two states apart. */
async function shown(page: Page) {
  return {
    leaf: await activeLeaf(page),
    taken: await taken(page),
    steps: await page.locator('#sim-steps').innerText(),
    status: await page.locator('#sim-status').innerText(),
    facts: await page.locator('#sim-facts').innerText(),
  }
}

describe('the visualizer Simulate mode in a browser', function () {
  this.timeout(90_000)
  const chromium = browserSuite()
  let user: TestUser

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true })
    user = await newUser('simviz')
  })

  it('forks a replay at a version, steps with commands and the clock, and the shared URL shows the same simulation', async () => {
    const page = await chromium.page()
    const roomId = await openRoom(user, ['timer/start', 'timer/pause', 'timer/resume'])
    await page.goto(`${ctx().url}/visualizer?machine=interview-room&mode=replay&actor=${roomId}&version=3#token=${user.token}`)
    await page.waitForSelector('body[data-history="ready"]')
    expect(await activeLeaf(page)).to.equal('in_progress.paused')

    await page.click('#fork')
    await page.waitForSelector('body[data-simulation="ready"]')
    expect(await page.locator('#simulate-panel').isVisible()).to.equal(true)
    expect(await activeLeaf(page)).to.equal('in_progress.paused')
    expect(await page.locator('#sim-steps li').first().innerText()).to.include(`room ${roomId} at version 3`)
    // The paused room allows resuming, not pausing: the refused command is greyed with the reason.
    expect(await page.locator('button[data-step="resumeTimer"]').isEnabled()).to.equal(true)
    expect(await page.locator('button[data-step="pauseTimer"]').isDisabled()).to.equal(true)
    expect(await page.locator('.command.refused', { hasText: 'pauseTimer' }).innerText()).to.include('not allowed while paused')
    expect(await page.locator('#sim-to-deadline').isDisabled(), 'no timer is armed while paused').to.equal(true)

    await act(page, 'button[data-step="resumeTimer"]')
    expect(await activeLeaf(page)).to.equal('in_progress.running')
    expect(await taken(page)).to.equal('interview-room.in_progress.paused:timer_resumed:0')
    await act(page, '#sim-to-warning')
    expect(await page.locator('#sim-facts').innerText()).to.include('phase_warning')
    await act(page, '#sim-to-deadline')
    expect(await taken(page)).to.equal('interview-room.in_progress.running:phase_changed:0')
    expect(await page.locator('#sim-status').innerText()).to.include('2 of 2 (sequence 2)')
    await page.fill('#sim-seconds', '45')
    await act(page, '#sim-advance')
    await act(page, 'button[data-step="pauseTimer"]')
    expect(await activeLeaf(page)).to.equal('in_progress.paused')
    expect(await page.locator('#sim-status').innerText()).to.include('9:15 (paused)')
    await page.waitForFunction(() => location.search.includes('steps='))
    await page.screenshot({ path: `${ARTIFACTS}/visualizer-simulate-fork.png` })

    const url = page.url()
    expect(url).to.include('mode=simulate').and.include(`actor=${roomId}`).and.include('version=3')
    expect(decodeURIComponent(url)).to.include('steps=resumeTimer,advance:')
    const before = await shown(page)
    await page.reload()
    await page.waitForSelector('body[data-simulation="ready"]')
    expect(await shown(page), 'after a reload').to.deep.equal(before)

    const other = await chromium.browser().page(ctx().url)
    await other.goto(`${url}#token=${user.token}`)
    await other.waitForSelector('body[data-simulation="ready"]')
    expect(await shown(other), 'the shared URL in another tab').to.deep.equal(before)
    await other.close()
    // The room received none of it.
    expect(await storedEvents(roomId)).to.equal(4)
  })

  it('starts from phases with no token, and a step in the list shows the room as it was then', async () => {
    const page = await chromium.page()
    await page.goto(`${ctx().url}/visualizer?machine=interview-room&mode=simulate`)
    await page.waitForSelector('body[data-chart="ready"]')
    expect(await page.locator('#actor').isVisible(), 'no room id to give').to.equal(false)
    await page.click('#sim-start button[type="submit"]')
    await page.waitForSelector('body[data-simulation="ready"]', { timeout: 5000 }).catch(async (error) => {
      throw new Error(`${error.message}; the page says: ${await page.locator('#message').innerText()}`)
    })
    expect(await activeLeaf(page)).to.equal('ready')
    await act(page, 'button[data-step="startTimer"]')
    await act(page, 'button[data-step="injectProblem"]')
    await act(page, '#sim-to-deadline')
    await act(page, '#sim-to-deadline')
    expect(await activeLeaf(page)).to.equal('completed')
    expect(await page.locator('#sim-facts').innerText()).to.include('interview_completed')
    expect(await page.locator('button[data-step="startTimer"]').isDisabled()).to.equal(true)
    await page.screenshot({ path: `${ARTIFACTS}/visualizer-simulate-plan.png` })

    // Back to the first step: the chart, the status and the URL follow; a new command branches from there.
    await page.click('#sim-steps li[data-index="0"] button')
    expect(await activeLeaf(page)).to.equal('in_progress.running')
    await page.waitForFunction(() => location.search.includes('step=0'))
    await page.click('button[data-step="pauseTimer"]')
    await page.waitForFunction(() => document.querySelectorAll('#sim-steps li').length === 3)
    expect(await page.locator('#sim-steps').innerText()).to.include('pauseTimer → timer_paused')
    expect(await activeLeaf(page)).to.equal('in_progress.paused')
  })
})
