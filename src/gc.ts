import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** V8's collector: a full collection, or with `{ type: 'minor' }` the young generation only. */
export type Gc = (options?: { type: 'minor' | 'major' }) => void

let gc: Gc | undefined
let young: (() => void) | undefined

/**
 * V8's `gc`, without starting node with --expose-gc: the flag is set for one fresh context, which
 * gets the function, and turned off again, so no `gc` global appears in this process.
 */
export function garbageCollector(): Gc {
  if (gc) return gc
  const exposed = (globalThis as { gc?: Gc }).gc
  if (exposed) return (gc = exposed)
  setFlagsFromString('--expose-gc')
  try {
    return (gc = runInNewContext('gc') as Gc)
  } finally {
    setFlagsFromString('--no-expose-gc')
  }
}

/** Collects the young generation now, as a quiet moment allows (see TimerScheduler.prepareForBurst). */
export function youngCollection(): () => void {
  if (!young) {
    const collect = garbageCollector()
    young = () => collect({ type: 'minor' })
  }
  return young
}
