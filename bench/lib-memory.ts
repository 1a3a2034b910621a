import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { MB } from './lib-stats'

setFlagsFromString('--expose-gc')
/** A full garbage collection, without starting node with --expose-gc. */
export const gc = runInNewContext('gc') as () => void

export interface MemoryPeak {
  /** RSS and heap in use after a collection, before the work began (bytes). */
  baseRss: number
  baseHeap: number
  /** High-water marks while it ran, sampled: what the process really held, garbage included. */
  peakRss: number
  peakHeap: number
}

/**
 * Runs `work` from a collected heap and samples RSS and heap every few milliseconds and whenever
 * `work` calls the `sample` it is given (a loop that only yields between awaits should call it).
 */
export async function peakMemory<T>(work: (sample: () => void) => Promise<T>): Promise<{ result: T; memory: MemoryPeak }> {
  gc()
  const base = process.memoryUsage()
  const memory: MemoryPeak = { baseRss: base.rss, baseHeap: base.heapUsed, peakRss: base.rss, peakHeap: base.heapUsed }
  const sample = () => {
    const now = process.memoryUsage()
    memory.peakRss = Math.max(memory.peakRss, now.rss)
    memory.peakHeap = Math.max(memory.peakHeap, now.heapUsed)
  }
  const sampler = setInterval(sample, 5)
  try {
    const result = await work(sample)
    sample()
    return { result, memory }
  } finally {
    clearInterval(sampler)
  }
}

/** The heap still in use after a full collection, in bytes: what the work retains. */
export function liveHeap(): number {
  gc()
  return process.memoryUsage().heapUsed
}

export const describeMemory = (m: MemoryPeak): string =>
  `RSS ${MB(m.baseRss).toFixed(0)} → ${MB(m.peakRss).toFixed(0)} MB (+${MB(m.peakRss - m.baseRss).toFixed(1)}), heap ${MB(m.baseHeap).toFixed(0)} → ${MB(m.peakHeap).toFixed(0)} MB`
