/** Skips the current test (or suite) when something it needs is missing, saying why on one line. */
export function skipUnless(context: Mocha.Context, available: unknown, reason: string): void {
  if (available) return
  console.log(`      - skipped: ${reason}`)
  context.skip()
}
