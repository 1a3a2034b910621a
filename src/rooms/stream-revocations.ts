import type { Db } from '../db/database'
import type { Logger } from '../logger'
import { findRevoked } from '../auth/auth.repository'
import type { RoomStreamHub } from './room-stream'

const BATCH = 1_000

/**
 * Ends the open event streams of sessions that logged out, on whichever process holds them: the
 * revocation row is the signal (logout writes it on any process), read every `pollMs` for the
 * sessions that hold streams here. The process that served the logout ends its own at once.
 */
export class StreamRevocations {
  private timer?: NodeJS.Timeout
  private checking = false

  constructor(private readonly deps: { db: Db; hub: RoomStreamHub; logger: Logger; pollMs: number }) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.deps.pollMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
  }

  /** One look at the revocations of the sessions holding streams here; returns how many streams it ended. */
  async check(): Promise<number> {
    if (this.checking) return 0
    this.checking = true
    try {
      const sessions = [...this.deps.hub.sessions()]
      let ended = 0
      for (let i = 0; i < sessions.length; i += BATCH) ended += this.deps.hub.closeSessions(await findRevoked(this.deps.db, sessions.slice(i, i + BATCH)))
      return ended
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not read token revocations for open streams')
      return 0
    } finally {
      this.checking = false
    }
  }
}
