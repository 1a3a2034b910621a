/**
 * `npm run bench`: runs every bench/*.bench.ts in turn, each in its own process (so one bench's
 * servers, pools and heap do not weigh on the next), passes its output through, collects its
 * `BENCH_RESULT {json}` lines and prints one table at the end.
 * Exits non-zero when a bench fails or reports nothing; a missed target is reported, not an error.
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { RESULT_PREFIX, type BenchResult } from './support'

const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
const ROOT = join(BENCH_DIR, '..')
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx')

interface BenchRun {
  file: string
  exitCode: number | null
  seconds: number
  results: BenchResult[]
}

function runBench(file: string): Promise<BenchRun> {
  const started = performance.now()
  const results: BenchResult[] = []
  const child = spawn(TSX, [file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  createInterface({ input: child.stdout }).on('line', (line) => {
    console.log(`  ${line}`)
    if (line.startsWith(RESULT_PREFIX)) results.push(JSON.parse(line.slice(RESULT_PREFIX.length)) as BenchResult)
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (exitCode) => resolve({ file, exitCode, seconds: (performance.now() - started) / 1000, results }))
  })
}

const fmt = (n: number | null, digits = 0): string => (n === null ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits }))
const verdict = (met: boolean | null): string => (met === null ? 'n/a' : met ? 'met' : 'NOT met')

function printTable(runs: BenchRun[]): void {
  const header = ['figure', 'value', 'baseline', 'ratio', 'target', 'met']
  const rows = runs.flatMap((run) =>
    run.results.map((r) => [r.figure, `${fmt(r.value, 2)} ${r.unit}`, r.baseline === null ? '—' : `${fmt(r.baseline, 2)} ${r.unit}`, fmt(r.ratio, 3), fmt(r.target, 3), verdict(r.met)]),
  )
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`)
  for (const row of rows) console.log(line(row))
}

async function main(): Promise<void> {
  const files = readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort()
    .map((f) => join(BENCH_DIR, f))
  if (files.length === 0) throw new Error(`no *.bench.ts in ${BENCH_DIR}`)

  const runs: BenchRun[] = []
  for (const [i, file] of files.entries()) {
    console.log(`\n[${i + 1}/${files.length}] ${relative(ROOT, file)}`)
    const run = await runBench(file)
    runs.push(run)
    const problem = run.exitCode !== 0 ? `FAILED (exit ${run.exitCode})` : run.results.length === 0 ? 'FAILED (no BENCH_RESULT line)' : 'done'
    console.log(`[${i + 1}/${files.length}] ${relative(ROOT, file)}: ${problem} in ${run.seconds.toFixed(1)} s`)
  }

  printTable(runs)
  const failed = runs.filter((r) => r.exitCode !== 0 || r.results.length === 0)
  const results = runs.flatMap((r) => r.results)
  const judged = results.filter((r) => r.met !== null)
  console.log(`\n${runs.length} benches, ${failed.length} failed; ${judged.filter((r) => r.met).length} of ${judged.length} applicable targets met`)
  if (failed.length > 0) process.exitCode = 1
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
