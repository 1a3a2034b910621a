import { expect } from 'chai'
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks'
import { youngCollection } from '../../src/gc'

describe('young collection on demand', () => {
  it('runs one young-generation collection and leaves no gc global behind', async () => {
    const collections: PerformanceEntry[] = []
    const observer = new PerformanceObserver((list) => collections.push(...list.getEntries()))
    observer.observe({ entryTypes: ['gc'] })
    try {
      const collect = youngCollection()
      expect(collect).to.equal(youngCollection())
      const started = performance.now()
      collect()
      const ended = performance.now()
      // Entries reach the observer after the collection, from the event loop; others may come meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 50))
      const during = collections.filter((entry) => entry.startTime >= started && entry.startTime <= ended)
      expect(during.map((entry) => (entry as unknown as { detail: { kind: number } }).detail.kind)).to.deep.equal([constants.NODE_PERFORMANCE_GC_MINOR])
      expect((globalThis as { gc?: unknown }).gc).to.equal(undefined)
    } finally {
      observer.disconnect()
    }
  })
})
