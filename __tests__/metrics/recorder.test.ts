import { describe, expect, it } from '@jest/globals'
import { createSampleRecorder, summarize } from '../../src/metrics/recorder.js'

describe('sample recorder', () => {
  it('grows past its initial capacity and keeps every sample in order', () => {
    const r = createSampleRecorder({ initialCapacity: 2 })
    for (let i = 0; i < 1000; i++) r.add(i)
    expect(r.count).toBe(1000)
    const values = r.values()
    expect(values.length).toBe(1000)
    expect(values[0]).toBe(0)
    expect(values[999]).toBe(999)
  })

  it('reads one sample by index, across growth, and nothing past the last', () => {
    const recorder = createSampleRecorder({ initialCapacity: 2 })
    for (let i = 0; i < 5; i++) recorder.add(i * 1.5)
    expect([0, 1, 2, 3, 4].map((i) => recorder.at(i))).toEqual([0, 1.5, 3, 4.5, 6])
    // The buffer holds 8 slots by now: the unused ones are not samples.
    expect(recorder.at(5)).toBeUndefined()
    expect(recorder.at(-1)).toBeUndefined()
  })

  it('summarises known data with simple-statistics quantiles', () => {
    const r = createSampleRecorder()
    // 1..100 shuffled: sorting must happen inside summary().
    const data = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1)
    for (const v of data) r.add(v)
    const s = r.summary()
    // numpy.percentile(range(1, 101), [50, 95, 99]) = 50.5, 95.05, 99.01 (linear, type 7).
    expect(s).toMatchObject({ avg: 50.5, p50: 50.5, max: 100, count: 100 })
    expect(s.p95).toBeCloseTo(95.05, 10)
    expect(s.p99).toBeCloseTo(99.01, 10)
    // The recorder's own order is untouched.
    expect(Array.from(r.values())).toEqual(data)
  })

  it('reports nulls, not zeros, when empty', () => {
    expect(createSampleRecorder().summary()).toEqual({
      avg: null,
      p50: null,
      p95: null,
      p99: null,
      max: null,
      count: 0
    })
  })

  it('merges another recorder (and itself)', () => {
    const a = createSampleRecorder({ initialCapacity: 1 })
    const b = createSampleRecorder({ initialCapacity: 1 })
    a.add(1)
    a.add(2)
    b.add(3)
    a.merge(b)
    expect(Array.from(a.values())).toEqual([1, 2, 3])
    a.merge(a)
    expect(Array.from(a.values())).toEqual([1, 2, 3, 1, 2, 3])
    expect(a.summary().max).toBe(3)
  })

  it('rejects non-finite samples and bad capacities', () => {
    expect(() => createSampleRecorder().add(Number.NaN)).toThrow(RangeError)
    expect(() => createSampleRecorder({ initialCapacity: 0 })).toThrow(/initialCapacity: got 0/)
  })

  it('summarize() works on plain arrays', () => {
    expect(summarize([5])).toEqual({ avg: 5, p50: 5, p95: 5, p99: 5, max: 5, count: 1 })
  })
})
