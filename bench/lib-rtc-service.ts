import { loadConfig, type Config } from '../config'

/**
 * The configuration of a service that holds `peers` bot peers for a bench: loopback ICE, logs off,
 * recordings in `recordingsDir`, on `databaseUrl` or embedded PGlite in memory. One bench user opens
 * every peer at once, so the per-user cap on peers still connecting (meant for people) is lifted.
 */
export function rtcBenchConfig(peers: number, recordingsDir: string, databaseUrl: string | undefined, extra: Record<string, string> = {}): Config {
  return loadConfig(
    { ...process.env, ENV: 'local' },
    {
      ENV: 'local',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'fatal',
      ICE_HOST_ADDRESSES: '127.0.0.1',
      RECORDINGS_DIR: recordingsDir,
      RTC_MAX_PEERS: String(peers + 10),
      RTC_MAX_PENDING_PEERS_PER_USER: String(peers + 10),
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: '', PGLITE_DATA_DIR: 'memory://' }),
      ...extra,
    },
  )
}
