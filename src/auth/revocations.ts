import type { Db } from '../db/database'
import type { Logger } from '../logger'
import { listRevocations } from './auth.repository'

/**
 * Every unexpired revoked token id, in memory, so checking a token needs no round trip. Kept
 * exact across processes: a revocation is added here at once by the process that made it, pushed
 * to the others by LISTEN/NOTIFY ({@link announced}), and every process re-reads the table each
 * poll interval as the backstop, so a revoked token is refused everywhere within one interval.
 * Revocations are never undone, so what is read is only ever added.
 */
export class RevocationCache {
  private readonly revoked = new Map<string, number>()
  private poller?: NodeJS.Timeout

  constructor(private readonly options: { db: Db; logger: Logger; pollMs: number }) {}

  /** Reads the table once before the first request is served, then polls it. */
  async start(): Promise<void> {
    await this.reload()
    this.poller = setInterval(() => void this.reload().catch((err) => this.options.logger.warn({ err }, 'could not read revoked tokens')), this.options.pollMs)
    this.poller.unref()
  }

  stop(): void {
    if (this.poller) clearInterval(this.poller)
  }

  add(jti: string, expiresAtMs: number): void {
    this.revoked.set(jti, expiresAtMs)
  }

  /** A NOTIFY payload from another process (or this one). */
  announced(payload: string): void {
    const [jti, expires] = payload.split(' ')
    if (jti) this.add(jti, Number(expires) || Number.POSITIVE_INFINITY)
  }

  isRevoked(jti: string): boolean {
    return this.revoked.has(jti)
  }

  get size(): number {
    return this.revoked.size
  }

  async reload(): Promise<void> {
    const now = Date.now()
    for (const row of await listRevocations(this.options.db, new Date(now))) this.add(row.jti, row.expires_at.getTime())
    // An expired token is refused for its expiry anyway: no need to remember it.
    for (const [jti, expiresAt] of this.revoked) if (expiresAt < now) this.revoked.delete(jti)
  }
}
