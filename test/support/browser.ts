import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { encodeWav } from '../../src/rtc/audio-in/recognizer'

export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export interface LaunchOptions {
  /**
   * A fake camera and microphone, loopback ICE candidates (so the media path is 127.0.0.1 on both
   * ends) and audio allowed to play: the microphone beeps (Chromium's own), hears nothing, or plays a WAV file.
   */
  microphone?: 'beep' | 'silence' | { wav: string }
}

export interface Browser {
  context: BrowserContext
  /** A new page that may reach only `origin`; every other request is aborted and recorded in `blocked`. */
  page(origin: string): Promise<Page>
  blocked: string[]
  close(): Promise<void>
}

/** Debian's chromium, headless, in a fresh profile that is deleted on close. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  const dir = mkdtempSync(join(tmpdir(), 'test-chromium-'))
  const args = [...ARGS, ...mediaArgs(options.microphone, dir)]
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args, viewport: { width: 1400, height: 900 } })
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
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function mediaArgs(microphone: LaunchOptions['microphone'], dir: string): string[] {
  if (!microphone) return []
  const wav = microphone === 'beep' ? undefined : microphone === 'silence' ? silentWav(dir) : microphone.wav
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    ...(wav ? [`--use-file-for-fake-audio-capture=${wav}`] : []),
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
  ]
}

/** Two seconds of digital silence: a microphone that hears nothing, where Chromium's own beeps, which is speech to a detector. */
function silentWav(dir: string): string {
  const file = join(dir, 'silence.wav')
  writeFileSync(file, encodeWav({ samples: new Int16Array(16_000 * 2), sample_rate: 16_000 }))
  return file
}
