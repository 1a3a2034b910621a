import { createScratchDatabase as createScratch, type ScratchDatabase } from '../src/db/scratch'

/** One figure a bench reports; bench/run.ts collects these into its table. */
export interface BenchResult {
  figure: string
  value: number
  unit: string
  /** The same figure measured on the baseline (bare handler, raw INSERT …), in the same run. */
  baseline: number | null
  /** value / baseline. */
  ratio: number | null
  /** The ratio the figure must reach. */
  target: number | null
  /** null when the target does not apply to this run (e.g. it is set for real PostgreSQL only). */
  met: boolean | null
}

export const RESULT_PREFIX = 'BENCH_RESULT '

/** Prints the machine-readable line bench/run.ts looks for; each bench ends with one per figure. */
export function printResult(result: BenchResult): void {
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`)
}

/** A positive number from the environment, or the fallback; a bad value stops the bench. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`)
  return value
}

/** The PostgreSQL server benches run on (BENCH_DATABASE_URL, else TEST_DATABASE_URL); undefined means embedded PGlite. */
export function benchDatabaseUrl(): string | undefined {
  return process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined
}

/** The URL without its password, for printing. */
export function redactUrl(url: string): string {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

/** A uniquely named database on the given server (dropped by the bench), so a bench never touches one someone else uses (CI points it at `test`). */
export const createScratchDatabase = (baseUrl: string): Promise<ScratchDatabase> => createScratch(baseUrl, 'mi_bench')
