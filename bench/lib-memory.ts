import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks'
import { garbageCollector } from '../src/gc'
import { MB } from './lib-stats'

/** A full garbage collection, without starting node with --expose-gc. */
export const gc = (): void => garbageCollector()()

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

const COLLECTION_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'young',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'full',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
}

/** This process's garbage collections from now until `stop`, described by kind, length and start. */
export function watchCollections(): { stop(): void; describe(origin: number): string } {
  const entries: PerformanceEntry[] = []
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()))
  observer.observe({ entryTypes: ['gc'] })
  return {
    stop: () => observer.disconnect(),
    /** `origin`: the epoch ms the starts are given from. */
    describe(origin) {
      const each = entries.map((e) => {
        const kind = COLLECTION_KINDS[(e as unknown as { detail: { kind: number } }).detail.kind] ?? 'other'
        return `${kind} ${e.duration.toFixed(1)} ms at ${Math.round(performance.timeOrigin + e.startTime - origin)} ms`
      })
      return `garbage collections meanwhile (ms from the window's start): ${each.length > 0 ? each.join(', ') : 'none'}`
    },
  }
}
