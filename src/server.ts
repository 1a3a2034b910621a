import { configOrExit } from './cli/cli'
import { createLogger } from './logger'
import { startService } from './service'

/** How long a shutdown after a fault may take beyond SHUTDOWN_TIMEOUT_MS before the process just exits. */
const FAULT_EXIT_GRACE_MS = 5_000

async function main(): Promise<void> {
  const config = configOrExit()
  const logger = createLogger(config)
  const service = await startService(config, { logger })
  logger.info({ env: config.ENV, database: service.database.kind }, `API listening on ${service.url} — docs at ${service.url}/docs`)

  let stopping = false
  let exitCode = 0
  const stop = async (reason: string) => {
    if (stopping) return
    stopping = true
    logger.info({ reason }, 'shutting down')
    try {
      await service.close()
    } catch (err) {
      logger.error({ err }, 'shutdown failed')
      exitCode = 1
    }
    process.exit(exitCode)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))

  // A fault nothing caught leaves the process in a state no one planned for: it stops, and exits 1
  // so its supervisor starts a fresh one. It stops as a shutdown does, so clients are not cut off
  // (streams get their retry hint, requests in flight their answers, timers their leases back),
  // but within a bound: a process that cannot close after such a fault exits anyway.
  const fault = (kind: string) => (err: unknown) => {
    logger.fatal({ err }, `${kind}; shutting down`)
    exitCode = 1
    setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS + FAULT_EXIT_GRACE_MS).unref()
    void stop(kind)
  }
  process.on('uncaughtException', fault('uncaught exception'))
  process.on('unhandledRejection', fault('unhandled rejection'))
}

main().catch((err) => {
  console.error('Failed to start:', err)
  process.exit(1)
})
