/**
 * A map of at most `max` entries that forgets the least recently set first, and refreshes a known
 * key in place instead of deleting and re-inserting it.
 *
 * Why in place: V8 keeps a Map's hash table after the Map outgrows it or fills it with the holes
 * deletes leave, linked to the table that replaced it and still holding every entry it held. Once
 * one such table has reached the old generation, each young collection keeps every later table
 * alive, with everything they held, until the next full collection. A room cache that moved each
 * room to the end on every command (delete, then set) kept every command's snapshot alive that way.
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, { value: V; setAt: number }>()
  private sets = 0

  constructor(private readonly max: number) {}

  get size(): number {
    return this.entries.size
  }

  get(key: K): V | undefined {
    return this.entries.get(key)?.value
  }

  set(key: K, value: V): void {
    const entry = this.entries.get(key)
    if (entry) {
      entry.value = value
      entry.setAt = ++this.sets
      return
    }
    this.entries.set(key, { value, setAt: ++this.sets })
    if (this.entries.size > this.max) this.evict()
  }

  delete(key: K): void {
    this.entries.delete(key)
  }

  /** Drops the least recently set tenth (at least one) below `max` at once, so a full map sorts once per many new keys. */
  private evict(): void {
    const excess = this.entries.size - this.max + Math.ceil(this.max / 10)
    const oldest = [...this.entries].sort(([, a], [, b]) => a.setAt - b.setAt).slice(0, excess)
    for (const [key] of oldest) this.entries.delete(key)
  }
}
