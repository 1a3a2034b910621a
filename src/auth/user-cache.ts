import type { Db } from '../db/database'
import type { UserRow } from '../db/user.table'
import { findUserForToken } from './auth.repository'

/** The channel a changed or deleted user's id is announced on (migration 0008's trigger). */
export const USERS_CHANNEL = 'mi_users'

interface Known {
  user: UserRow
  readAt: number
}

/**
 * The users that tokens name, in memory, so authenticating a request needs no round trip. Kept
 * current across processes: a user row's trigger announces every update and delete on
 * {@link USERS_CHANNEL} (pushed by LISTEN/NOTIFY on PostgreSQL: {@link forget}), and an entry older
 * than `maxAgeMs` is read again as the backstop, so a deleted user's tokens, or a changed role,
 * take effect on every process within that time at worst. `maxAgeMs` 0 reads on every request.
 */
export class UserCache {
  private readonly known = new Map<string, Known>()
  /** Lookups under way, shared by the requests that ask for the same user meanwhile. */
  private readonly reading = new Map<string, Promise<UserRow | undefined>>()
  /** Bumped by every forget, so a read that began before a change does not store what it read. */
  private generation = 0

  constructor(private readonly options: { db: Db; maxAgeMs: number; max?: number }) {}

  /** The user, or undefined when there is none (never remembered: the next request reads again). */
  find(userId: string): Promise<UserRow | undefined> {
    const known = this.known.get(userId)
    if (known && Date.now() - known.readAt < this.options.maxAgeMs) return Promise.resolve(known.user)
    return this.reading.get(userId) ?? this.read(userId)
  }

  private read(userId: string): Promise<UserRow | undefined> {
    const generation = this.generation
    const readAt = Date.now()
    const read: Promise<UserRow | undefined> = findUserForToken(this.options.db, userId)
      .then((user) => {
        if (user && this.options.maxAgeMs > 0 && generation === this.generation) this.remember(userId, { user, readAt })
        return user
      })
      .finally(() => {
        if (this.reading.get(userId) === read) this.reading.delete(userId)
      })
    this.reading.set(userId, read)
    return read
  }

  private remember(userId: string, known: Known): void {
    this.known.delete(userId)
    this.known.set(userId, known)
    if (this.known.size > (this.options.max ?? 10_000)) this.known.delete(this.known.keys().next().value!)
  }

  /** A user changed or was deleted (a NOTIFY payload: its id); `undefined`: maybe any (notifications were missed). */
  forget(userId?: string): void {
    this.generation++
    // A lookup under way may have read the row before the change: later requests read afresh.
    if (userId === undefined) {
      this.known.clear()
      this.reading.clear()
    } else {
      this.known.delete(userId)
      this.reading.delete(userId)
    }
  }

  get size(): number {
    return this.known.size
  }
}
