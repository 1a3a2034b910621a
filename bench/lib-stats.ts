/** The q-quantile (0…1) of already sorted values, nearest-rank; NaN when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

export interface Summary {
  count: number
  p50: number
  p99: number
  max: number
}

export function summarize(values: Iterable<number>): Summary {
  const sorted = Float64Array.from(values).sort()
  return { count: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN }
}

/** A number for a table: thousands separated, at most `digits` decimals. */
export const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : '—')

export const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits

export const MB = (bytes: number): number => bytes / 1024 / 1024

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Runs `task` for 0 … count-1 with at most `width` in flight. */
export async function inParallel(count: number, width: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(width, count) }, async () => {
    while (next < count) await task(next++)
  }))
}
