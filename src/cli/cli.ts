import { ConfigError, loadConfig, type Config } from '../../config'

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
