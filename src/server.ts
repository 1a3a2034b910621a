import { configOrExit } from './cli/cli'
import { createLogger } from './logger'
import { startService } from './service'

async function main(): Promise<void> {
  const config = configOrExit()
  const logger = createLogger(config)
  const service = await startService(config, { logger })
  logger.info({ env: config.ENV, database: service.database.kind }, `API listening on ${service.url} — docs at ${service.url}/docs`)

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    try {
      await service.close()
      process.exit(0)
    } catch (err) {
      logger.error({ err }, 'shutdown failed')
      process.exit(1)
    }
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}

main().catch((err) => {
  console.error('Failed to start:', err)
  process.exit(1)
})
