import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { sleep } from './lib-stats'
import { statFields } from '../test/support/proc'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** A node process the bench started and must stop: the service or the bare SSE server. */
export interface BenchProcess {
  pid: number
  url: string
  child: ChildProcess
  /** The process's last lines of output, for error messages. */
  output: string[]
  /** Resident set size now, in bytes (VmRSS of /proc/<pid>/status). */
  rss(): number
  /** SIGTERM (a profiler started by BENCH_SERVICE_NODE_ARGS writes its file), SIGKILL after 5 s; waits for the exit. */
  kill(): Promise<void>
}

/** A port nobody listens on right now (the service logs its URL only at info, and the bench runs it at warn). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', resolve).once('error', reject))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** VmRSS of a process, in bytes. */
export function readRss(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!match) throw new Error(`no VmRSS for process ${pid}`)
  return Number(match[1]) * 1024
}

const parentPid = (stat: string) => Number(statFields(stat)[1])

/** CPU seconds (user + system) of one task's /proc stat line. */
function cpuSeconds(stat: string): number {
  const fields = statFields(stat)
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** CPU seconds (user + system) of a process's children that have ended and been reaped. */
function reapedCpuSeconds(stat: string): number {
  const fields = statFields(stat)
  return (Number(fields[13]) + Number(fields[14])) / 100
}

/**
 * CPU seconds a process has used so far: its main thread, and all its other threads together
 * (V8's compiler and GC helpers, libuv's pool). The others stay busy while V8 still compiles the
 * code a new load made hot.
 */
export function threadCpu(pid: number): { main: number; background: number } {
  let main = 0
  let background = 0
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let seconds: number
    try {
      seconds = cpuSeconds(readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8'))
    } catch {
      continue // the thread ended meanwhile
    }
    if (Number(task) === pid) main = seconds
    else background += seconds
  }
  return { main, background }
}

/**
 * CPU seconds used so far by the PostgreSQL server's processes on this machine (every process
 * named `postgres`: the backends, the WAL writer, the checkpointer …), those that have ended
 * included (the postmaster's reaped children: a pool closes idle connections mid-round); 0 when
 * the server is not local.
 */
export function postgresCpu(): number {
  let seconds = 0
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      seconds += cpuSeconds(stat)
      const isPostmaster = readFileSync(`/proc/${parentPid(stat)}/comm`, 'utf8').trim() !== 'postgres'
      if (isPostmaster) seconds += reapedCpuSeconds(stat)
    } catch {
      // the process ended meanwhile
    }
  }
  return seconds
}

/** CPU seconds the whole machine has been busy and idle so far, summed over its cores (/proc/stat). */
export function machineCpu(): { busy: number; idle: number } {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = ticks as number[]
  const hz = 100 // USER_HZ, as cpuSeconds assumes
  return { busy: (user! + nice! + system! + irq! + softirq! + steal!) / hz, idle: (idle! + iowait!) / hz }
}

/**
 * Starts `node <args>` from the repository root with `env` (PORT is chosen here) and resolves once
 * GET <url><readyPath> answers 200.
 */
async function startNode(args: string[], env: Record<string, string>, readyPath: string, startTimeoutMs = 60_000): Promise<BenchProcess> {
  const script = args[args.length - 1]!
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  const output: string[] = []
  // BENCH_SERVICE_OUTPUT: a file that gets all of it (V8's --trace-gc or --trace-opt lines, say).
  const copy = process.env.BENCH_SERVICE_OUTPUT ? createWriteStream(process.env.BENCH_SERVICE_OUTPUT, { flags: 'a' }) : undefined
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      copy?.write(`${line}\n`)
      output.push(line)
      if (output.length > 50) output.shift()
    })
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const kill = async () => {
    let forced: NodeJS.Timeout | undefined
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      forced = setTimeout(() => child.kill('SIGKILL'), 5_000)
    }
    await exited
    clearTimeout(forced)
  }
  const started = performance.now()
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${script} exited (${child.exitCode ?? child.signalCode}) before answering:\n${output.join('\n')}`)
    if (performance.now() - started > startTimeoutMs) {
      await kill()
      throw new Error(`${script} did not answer ${readyPath} within ${startTimeoutMs} ms:\n${output.join('\n')}`)
    }
    const ready = await fetch(`${url}${readyPath}`).then((r) => r.ok, () => false)
    if (ready) break
    await sleep(100)
  }
  return { pid: child.pid!, url, child, output, rss: () => readRss(child.pid!), kill }
}

/**
 * The node arguments of `npm start` (package.json's start script, `node <flags> --import tsx
 * src/server.ts`), so the bench runs the service exactly as production starts it, V8 flags included;
 * BENCH_SERVICE_NODE_ARGS goes before them (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile
 * the service: the profile is written when the bench stops it).
 */
function startScriptArguments(): string[] {
  const extra = process.env.BENCH_SERVICE_NODE_ARGS?.trim()
  return [...(extra ? extra.split(/\s+/) : []), ...startScript()]
}

/** The start script's node arguments, `<flags> --import tsx src/server.ts`. */
function startScript(): string[] {
  const start = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start
  const [command, ...args] = start.trim().split(/\s+/)
  if (command !== 'node' || args[args.length - 1] !== 'src/server.ts') throw new Error(`the start script must be \`node … src/server.ts\`, got \`${start}\``)
  return args
}

/**
 * For a bench that runs the service's runtime in its own process: unless this process already runs
 * under the V8 flags of `npm start`, runs this bench again under them and resolves to its exit
 * code (the caller exits with it); otherwise undefined, and the caller goes on. So its figures are
 * the runtime's as the service runs it, garbage collector included.
 */
export function rerunUnderStartFlags(): Promise<number> | undefined {
  const args = startScript()
  const flags = args.slice(0, args.indexOf('--import'))
  if (flags.every((flag) => process.execArgv.includes(flag))) return undefined
  console.log(`(running again under the start script's V8 flags: ${flags.join(' ')})`)
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', process.argv[1]!, ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' })
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))))
}

/**
 * The API as its own process, started as `npm start` starts it (see {@link startScriptArguments}),
 * with ENV=test settings, logs at warn and heartbeats rare enough not to count.
 * `database` is DATABASE_URL, or undefined for embedded PGlite in memory (one process's database).
 */
export function startService(database: string | undefined, env: Record<string, string> = {}): Promise<BenchProcess> {
  return startNode(
    startScriptArguments(),
    {
      ENV: 'test',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      JWT_EXPIRE_MINUTES: '240',
      SSE_HEARTBEAT_MS: '600000',
      // One bench user holds thousands of streams: the per-user cap is for people.
      SSE_MAX_STREAMS_PER_USER: '10000',
      ...(database ? { DATABASE_URL: database } : { DATABASE_URL: '', PGLITE_DATA_DIR: 'memory://' }),
      ...env,
    },
    '/ready',
  )
}

/** The baseline: a bare node:http SSE server (bench/lib-sse-bare.ts) in its own process. */
export function startBare(): Promise<BenchProcess> {
  return startNode(['--import', 'tsx', 'bench/lib-sse-bare.ts'], {}, '/ready')
}
