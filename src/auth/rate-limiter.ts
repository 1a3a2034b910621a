/**
 * A fixed-window counter per key, in process memory. Enough to slow password guessing on one
 * instance; behind a load balancer each instance counts on its own.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>()

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one attempt; returns the seconds to wait when over the limit, else 0. */
  hit(key: string, now: number): number {
    const window = this.windows.get(key)
    if (!window || window.resetAt <= now) {
      if (this.windows.size > 100_000) this.sweep(now)
      this.windows.set(key, { count: 1, resetAt: now + this.windowMs })
      return 0
    }
    window.count += 1
    return window.count > this.limit ? Math.ceil((window.resetAt - now) / 1000) : 0
  }

  reset(key: string): void {
    this.windows.delete(key)
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key)
  }
}
