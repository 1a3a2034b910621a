import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { ctx } from './context'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  at: number
}

/** The API as its own operating-system process, started the way production starts it. */
export interface ServerProcess {
  child: ChildProcess
  pid: number
  url: string
  /** Every line the process wrote (its JSON log, and anything on stderr). */
  output: string[]
  exited: Promise<Exit>
}

export interface SpawnOptions {
  startTimeoutMs?: number
  /** Modules loaded before the server (`--import`, paths from the repository root): a fault to inject, say. */
  imports?: string[]
}

/**
 * Spawns `node --import tsx src/server.ts` with ENV=test and the given settings, and resolves
 * once it logs that it is listening. Its own database settings must be in `env`
 * (see {@link processDatabaseEnv}).
 */
export async function spawnServer(env: Record<string, string>, { startTimeoutMs = 90_000, imports = [] }: SpawnOptions = {}): Promise<ServerProcess> {
  const preload = imports.flatMap((path) => ['--import', `./${path}`])
  const child = spawn(process.execPath, ['--import', 'tsx', ...preload, 'src/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, ENV: 'test', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', LOG_FORMAT: 'json', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output: string[] = []
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })))
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${startTimeoutMs} ms:\n${output.join('\n')}`)), startTimeoutMs)
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line)
        const listening = /API listening on (http:\/\/\S+)/.exec(line)
        if (listening) {
          clearTimeout(timer)
          resolve(listening[1]!)
        }
      })
    }
    void exited.then((exit) => {
      clearTimeout(timer)
      reject(new Error(`server exited (${exit.code ?? exit.signal}) before listening:\n${output.join('\n')}`))
    })
  })
  try {
    return { child, pid: child.pid!, url: await url, output, exited }
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
}

/** Stops a spawned server if it is still running (SIGKILL: tests that care about shutdown signal it themselves). */
export async function killServer(server: ServerProcess | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return
  server.child.kill('SIGKILL')
  await server.exited
}

let dataDir: string | undefined

/**
 * One embedded data directory for every spawned server of the run (creating one costs seconds),
 * removed when the run ends. Spawned servers must run one at a time: each locks it.
 */
export function embeddedDataDir(): string {
  if (!dataDir) {
    const dir = mkdtempSync(join(tmpdir(), 'mi-pglite-'))
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
    dataDir = dir
  }
  return dataDir
}

/** Database settings for a spawned server: the run's PostgreSQL test database when there is one, else the embedded directory. */
export function processDatabaseEnv(): Record<string, string> {
  const url = ctx().config.DATABASE_URL
  return url ? { DATABASE_URL: url } : { PGLITE_DATA_DIR: embeddedDataDir() }
}
