/**
 * The statechart visualizer in headless Chromium (/usr/bin/chromium; skipped without it):
 * time to first render of the room chart, and to load and step through a long room history.
 *
 *   BENCH_DATABASE_URL / TEST_DATABASE_URL  PostgreSQL server to use (a scratch database is made on it); unset: embedded PGlite
 *   BENCH_HISTORY   events in the replayed history (default 10000, the most one history page holds)
 *   BENCH_RENDERS   page loads timed for the first render (default 5; the first is cold)
 *
 * A step is timed in the page from the click on "next" until style and layout are done for it
 * (a forced layout), which is the work a frame has to fit in; paint is a class change on two
 * SVG elements.
 */
import type { Page } from 'playwright-core'
import { loadConfig } from '../config'
import { startService, type RunningService } from '../src/service'
import { hasChromium, launchBenchBrowser, CHROMIUM } from './lib-browser'
import { growRoomHistory } from './lib-room-history'
import { benchUser, call } from './lib-api'
import { benchDatabaseUrl, createScratchDatabase, envNumber, printResult, redactUrl } from './support'

const HISTORY = Math.round(envNumber('BENCH_HISTORY', 10_000))
const RENDERS = Math.round(envNumber('BENCH_RENDERS', 5))
const RENDER_TARGET_MS = 1_000
const STEP_TARGET_MS = 16

const FIGURES = ['first render of the room chart, cold', 'first render of the room chart, median', `one step through a ${HISTORY.toLocaleString('en-US')}-event history, p99`]

/** A user and one room with `HISTORY` events. */
async function seed(service: RunningService): Promise<{ token: string; roomId: string }> {
  const tag = Date.now().toString(36)
  const token = await benchUser(service.url, 'viz', tag)
  const roomId = `bench-viz-${tag}`
  const phases = [1, 2, 3].map((sequence) => ({ sequence, question_id: `q${sequence}`, question_type: 'coding', duration_minutes: 30, instructions: `phase ${sequence}` }))
  await call(service.url, 'POST', '/api/start-interview', { room_id: roomId, phases }, token)
  await growRoomHistory(service.database.db, service.runtime, roomId, HISTORY)
  // The async projections take in the new events now, not while the page is being timed.
  await service.projector.wake()
  return { token, roomId }
}

const mark = (page: Page, name: string) => page.evaluate((n) => performance.getEntriesByName(n)[0]?.startTime ?? Number.NaN, name)

/** Clicks "next" through the whole history, timing each step in the page. */
function stepThrough(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const next = document.getElementById('next')!
    const max = Number((document.getElementById('slider') as HTMLInputElement).max)
    const times: number[] = []
    for (let i = 0; i < max; i++) {
      const started = performance.now()
      next.click()
      void document.body.offsetHeight
      times.push(performance.now() - started)
    }
    return times
  })
}

const percentile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
const ms = (n: number): string => `${n.toFixed(n < 10 ? 2 : 0)} ms`
const round = (n: number): number => Math.round(n * 100) / 100

async function main(): Promise<void> {
  if (!hasChromium()) {
    console.log(`skipped: ${CHROMIUM} is not installed (apt-get install chromium)`)
    for (const figure of FIGURES) printResult({ figure: `${figure} (skipped: no chromium)`, value: Number.NaN, unit: 'ms', baseline: null, ratio: null, target: null, met: null })
    return
  }
  const baseUrl = benchDatabaseUrl()
  const scratch = baseUrl ? await createScratchDatabase(baseUrl) : undefined
  console.log(`database: ${scratch ? `PostgreSQL at ${redactUrl(baseUrl!)} (scratch database, dropped afterwards)` : 'embedded PGlite, in memory'}`)
  const config = loadConfig(
    { ...process.env, ENV: 'local' },
    { ENV: 'local', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'fatal', ...(scratch ? { DATABASE_URL: scratch.url } : { DATABASE_URL: '', PGLITE_DATA_DIR: 'memory://' }) },
  )
  const service = await startService(config)
  const browser = await launchBenchBrowser()
  try {
    let started = performance.now()
    const { token, roomId } = await seed(service)
    console.log(`history: ${HISTORY.toLocaleString('en-US')} events generated in ${((performance.now() - started) / 1000).toFixed(1)} s`)

    const renders: number[] = []
    for (let i = 0; i < RENDERS; i++) {
      const page = await browser.page(service.url)
      await page.goto(`${service.url}/visualizer?machine=interview-room`)
      await page.waitForSelector('body[data-chart="ready"]', { timeout: 30_000 })
      renders.push(await mark(page, 'chart-rendered'))
      await page.close()
    }
    const sortedRenders = [...renders].sort((a, b) => a - b)
    const median = percentile(sortedRenders, 0.5)
    console.log(`first render (navigation start → chart drawn): ${renders.map(ms).join(', ')}`)

    const page = await browser.page(service.url)
    started = performance.now()
    await page.goto(`${service.url}/visualizer?machine=interview-room&mode=replay&actor=${roomId}&version=1#token=${token}`)
    await page.waitForSelector('body[data-history="ready"]', { timeout: 120_000 })
    const [requested, received, shown] = [await mark(page, 'history-requested'), await mark(page, 'history-received'), await mark(page, 'history-shown')]
    console.log(`history: requested ${ms(requested)} after navigation start, received and parsed ${ms(received - requested)} later, shown at version 1 ${ms(shown - received)} after that`)
    const steps = await stepThrough(page)
    const position = await page.locator('#position').textContent()
    if (position !== `version ${HISTORY} of ${HISTORY}`) throw new Error(`stepping ended at "${position}"`)
    const sorted = [...steps].sort((a, b) => a - b)
    const [p50, p99, max] = [percentile(sorted, 0.5), percentile(sorted, 0.99), sorted.at(-1)!]
    console.log(`steps: ${steps.length.toLocaleString('en-US')} — p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(max)}, total ${ms(steps.reduce((a, b) => a + b, 0))}`)
    await page.close()

    const figure = (name: string, value: number, target: number) =>
      printResult({ figure: name, value: round(value), unit: 'ms', baseline: null, ratio: null, target, met: value <= target })
    figure(FIGURES[0]!, renders[0]!, RENDER_TARGET_MS)
    figure(FIGURES[1]!, median, RENDER_TARGET_MS)
    figure(FIGURES[2]!, p99, STEP_TARGET_MS)
    figure(`one step through a ${HISTORY.toLocaleString('en-US')}-event history, max`, max, STEP_TARGET_MS)
    printResult({ figure: `load a ${HISTORY.toLocaleString('en-US')}-event history (GET …/history, one page)`, value: round(received - requested), unit: 'ms', baseline: null, ratio: null, target: null, met: null })
  } finally {
    await browser.close()
    await service.close()
    await scratch?.drop()
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
