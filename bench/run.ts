/**
 * `npm run bench [-- --full] [name …]`: runs every bench/*.bench.ts (or those named, e.g. `http`)
 * in turn, each in its own process (so one bench's servers, pools and heap do not weigh on the
 * next), passes its output through, collects its `BENCH_RESULT {json}` lines, prints one table at
 * the end and, when every bench ran, writes it to bench/RESULTS.md with the date, the machine and
 * the command.
 * `--full` sets BENCH_FULL=1: the full sizes (10,000 rooms, 10,000 clients, longer runs).
 * Exits non-zero when a bench fails or reports nothing; a missed target is reported, not an error.
 */
import { spawn } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { basename, dirname, join, relative } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { commandsPerSecond } from './lib-calibrate'
import { benchDatabaseUrl, RESULT_PREFIX, redactUrl, type BenchResult } from './support'

const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
const ROOT = join(BENCH_DIR, '..')
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx')
const RESULTS_FILE = join(BENCH_DIR, 'RESULTS.md')

const args = process.argv.slice(2)
const FULL = args.includes('--full') || process.env.BENCH_FULL === '1'
const ONLY = args.filter((a) => !a.startsWith('--'))

interface BenchRun {
  file: string
  exitCode: number | null
  seconds: number
  results: BenchResult[]
}

function runBench(file: string): Promise<BenchRun> {
  const started = performance.now()
  const results: BenchResult[] = []
  const env = FULL ? { ...process.env, BENCH_FULL: '1' } : process.env
  const child = spawn(TSX, [file], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] })
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

function table(runs: BenchRun[]): string[] {
  const header = ['figure', 'value', 'baseline', 'ratio', 'target', 'met']
  const rows = runs.flatMap((run) =>
    run.results.map((r) => [r.figure, `${fmt(r.value, 2)} ${r.unit}`, r.baseline === null ? '—' : `${fmt(r.baseline, 2)} ${r.unit}`, fmt(r.ratio, 3), fmt(r.target, 3), verdict(r.met)]),
  )
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)]
}

/** The command that reproduces this run, with the database URL it used (password hidden). */
function command(): string {
  const url = benchDatabaseUrl()
  return [url ? `BENCH_DATABASE_URL=${redactUrl(url)}` : '', 'npm run bench', args.length ? `-- ${args.join(' ')}` : ''].filter(Boolean).join(' ')
}

function writeResults(runs: BenchRun[], summary: string, startedAt: Date, load: number[], speed: string): void {
  const cpu = cpus()
  const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB memory, Node.js ${process.version}, ${process.platform}`
  const durations = runs.map((r) => `${basename(r.file)} ${r.seconds.toFixed(0)} s${r.exitCode === 0 ? '' : ` (exit ${r.exitCode})`}`).join(', ')
  const text = [
    '# Benchmark results',
    '',
    'The latest run of `npm run bench`, written by it. Targets are judged on PostgreSQL only; "n/a"',
    'means the target does not apply to the database of this run. Each bench prints more detail',
    '(p50 and max, per-round figures) than this table keeps; see README, "Benchmarks".',
    '',
    `- date: ${startedAt.toISOString()}`,
    `- machine: ${machine}`,
    `- load average when it began: ${load.map((l) => l.toFixed(2)).join(', ')}`,
    `- machine speed: ${speed} (compare two runs' figures only beside this)`,
    `- command: \`${command()}\``,
    `- database: ${benchDatabaseUrl() ? 'PostgreSQL (a scratch database per bench)' : 'embedded PGlite'}`,
    `- duration per bench: ${durations}`,
    '',
    '```',
    ...table(runs),
    '```',
    '',
    summary,
    '',
  ].join('\n')
  writeFileSync(RESULTS_FILE, text)
}

async function main(): Promise<void> {
  const startedAt = new Date()
  const load = loadavg()
  const speedBefore = commandsPerSecond()
  console.log(`machine speed: ${fmt(speedBefore)} room commands decided/s on one core (bench/lib-calibrate.ts)`)
  const files = readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.bench.ts') && (ONLY.length === 0 || ONLY.includes(f.slice(0, -'.bench.ts'.length))))
    .sort()
    .map((f) => join(BENCH_DIR, f))
  if (files.length === 0) throw new Error(`no bench to run: ${ONLY.length ? `none of ${ONLY.join(', ')} is` : 'no *.bench.ts'} in ${BENCH_DIR}`)
  console.log(`${files.length} benches${FULL ? ', full sizes' : ' at modest sizes (--full for the full ones)'}, one process each`)

  const runs: BenchRun[] = []
  for (const [i, file] of files.entries()) {
    console.log(`\n[${i + 1}/${files.length}] ${relative(ROOT, file)}`)
    const run = await runBench(file)
    runs.push(run)
    const problem = run.exitCode !== 0 ? `FAILED (exit ${run.exitCode})` : run.results.length === 0 ? 'FAILED (no BENCH_RESULT line)' : 'done'
    console.log(`[${i + 1}/${files.length}] ${relative(ROOT, file)}: ${problem} in ${run.seconds.toFixed(1)} s`)
  }

  console.log(`\n${table(runs).join('\n')}`)
  const failed = runs.filter((r) => r.exitCode !== 0 || r.results.length === 0)
  const results = runs.flatMap((r) => r.results)
  const judged = results.filter((r) => r.met !== null)
  const summary = `${runs.length} benches, ${failed.length} failed; ${judged.filter((r) => r.met).length} of ${judged.length} applicable targets met`
  console.log(`\n${summary}`)
  // A subset is not a result of the whole suite: it leaves the last full table in place.
  if (ONLY.length > 0) return void console.log(`${relative(ROOT, RESULTS_FILE)} not written: only some benches ran`)
  const speed = `${fmt(speedBefore)} room commands decided per second on one core before the benches, ${fmt(commandsPerSecond())} after (bench/lib-calibrate.ts)`
  writeResults(runs, summary, startedAt, load, speed)
  console.log(`written to ${relative(ROOT, RESULTS_FILE)}`)
  if (failed.length > 0) process.exitCode = 1
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
