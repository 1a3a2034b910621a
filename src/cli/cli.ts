import { ConfigError, loadConfig, type Config } from '../../config'
import type { Db } from '../db/database'
import { openDatabase } from '../db/connection'
import { createLogger } from '../logger'

/** EX_CONFIG from sysexits.h: the configuration is wrong, not the program. */
export const EXIT_CONFIG = 78

/** The validated configuration, or exit with the message naming each bad variable. */
export function configOrExit(): Config {
  try {
    return loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(EXIT_CONFIG)
    }
    throw error
  }
}

/** Runs a command-line entry point: its resolved number is the exit code; a throw prints one line and exits 1. */
export function runCli(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`)
      process.exit(1)
    },
  )
}

/** Says what was wrong on stderr (or the usage asked for, code 0, on stdout); returns the exit code (2: the command line was wrong). */
export function fail(message: string, code = 2): number {
  if (code === 0) console.log(message)
  else console.error(message)
  return code
}

/** Opens the configured database (logging errors only), runs `work` on it, and closes it whatever happens. */
export async function withDatabase<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const config = configOrExit()
  const database = await openDatabase(config, createLogger({ ...config, LOG_LEVEL: 'error' }))
  try {
    return await work(database.db)
  } finally {
    await database.close()
  }
}
