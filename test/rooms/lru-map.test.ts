import { expect } from 'chai'
import { LruMap } from '../../src/rooms/lru-map'

describe('LruMap', () => {
  it('keeps at most max entries, forgetting the least recently set first', () => {
    const map = new LruMap<string, number>(3)
    for (const key of ['a', 'b', 'c']) map.set(key, 1)
    map.set('a', 2) // a is now the most recently set
    map.set('d', 1)
    // Over max by one: it drops to a tenth of max (at least one) below max, the oldest first.
    expect(map.size).to.equal(2)
    expect([map.get('b'), map.get('c')]).to.deep.equal([undefined, undefined])
    expect([map.get('a'), map.get('d')]).to.deep.equal([2, 1])
  })

  it('forgets a tenth of max at once when it overflows, the least recently set', () => {
    const map = new LruMap<number, number>(20)
    for (let key = 0; key < 20; key++) map.set(key, key)
    for (let key = 0; key < 5; key++) map.set(key, key * 10)
    map.set(20, 20)
    // 21 entries over 20: the oldest three (5, 6, 7) go, so that 18 remain.
    expect(map.size).to.equal(18)
    expect([5, 6, 7].map((key) => map.get(key))).to.deep.equal([undefined, undefined, undefined])
    expect([0, 4, 8, 19, 20].map((key) => map.get(key))).to.deep.equal([0, 40, 8, 19, 20])
  })

  it('replaces the value of a known key without adding an entry, and deletes on request', () => {
    const map = new LruMap<string, string>(2)
    map.set('room', 'v1')
    map.set('room', 'v2')
    expect(map.size).to.equal(1)
    expect(map.get('room')).to.equal('v2')
    map.delete('room')
    expect(map.get('room')).to.equal(undefined)
    expect(map.size).to.equal(0)
  })
})
