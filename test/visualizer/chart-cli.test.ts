import { expect } from 'chai'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { api } from '../support/http'

const run = promisify(execFile)
const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx')
const chart = (...args: string[]) => run(TSX, ['src/cli/chart.ts', ...args], { cwd: process.cwd() })

describe('npm run chart', () => {
  let dir: string
  before(() => (dir = mkdtempSync(join(tmpdir(), 'chart-'))))
  after(() => rmSync(dir, { recursive: true, force: true }))

  for (const format of ['json', 'scxml', 'mermaid']) {
    it(`prints the same ${format} as GET /api/machines/interview-room?format=${format}`, async () => {
      const { stdout } = await chart('--format', format)
      const served = await api('GET', `/api/machines/interview-room?format=${format}`)
      if (format === 'json') expect(JSON.parse(stdout)).to.deep.equal(served.body)
      else expect(stdout).to.equal(served.text)
    })
  }

  it('writes to --out', async () => {
    const out = join(dir, 'room.scxml')
    await chart('--format', 'scxml', '--out', out)
    expect(readFileSync(out, 'utf8')).to.match(/^<\?xml[^]*<scxml [^]*<\/scxml>\n$/)
  })

  it('exits 2 with the usage for an unknown format or machine', async () => {
    for (const args of [['--format', 'svg'], ['--machine', 'nope']]) {
      const failure = await chart(...args).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      )
      expect(failure?.code, args.join(' ')).to.equal(2)
      expect(failure?.stderr).to.include('usage: npm run chart')
    }
  })
})
