import { describe, expect, it } from '@jest/globals'
import { degradation, jainIndex, spread } from '../../src/metrics/regression.js'

describe('degradation', () => {
  it('finds the slope of latency growing 2 ms per second, perfectly linear', () => {
    const samples = Array.from({ length: 100 }, (_, i) => ({ tMs: i * 100, value: 10 + 0.2 * i }))
    const d = degradation(samples)
    expect(d.slopeMsPerSec).toBeCloseTo(2, 10)
    expect(d.r2).toBeCloseTo(1, 10)
    expect(d.count).toBe(100)
    // First 20 values 10..13.8 (median 11.9), last 20 26..29.8 (median 27.9).
    expect(d.firstWindowMedian).toBeCloseTo(11.9, 10)
    expect(d.lastWindowMedian).toBeCloseTo(27.9, 10)
    expect(d.relativeChange).toBeCloseTo(16 / 11.9, 10)
  })

  it('accepts two parallel arrays and reports a flat series as no change', () => {
    const t = Float64Array.from({ length: 50 }, (_, i) => i * 10)
    const v = new Array(50).fill(5)
    const d = degradation(t, v)
    expect(d.slopeMsPerSec).toBe(0)
    expect(d.relativeChange).toBe(0)
    expect(d.r2).toBe(1)
  })

  it('returns nulls when there is too little data', () => {
    expect(degradation([])).toMatchObject({
      slopeMsPerSec: null,
      r2: null,
      firstWindowMedian: null,
      count: 0
    })
    expect(degradation([{ tMs: 0, value: 3 }])).toMatchObject({
      slopeMsPerSec: null,
      firstWindowMedian: 3,
      lastWindowMedian: 3,
      relativeChange: 0
    })
  })

  it('rejects mismatched arrays and a bad window share', () => {
    expect(() => degradation([1, 2], [1])).toThrow(/values: got 1 values for 2 times/)
    expect(() => degradation([{ tMs: 0, value: 1 }], { windowShare: 0.9 })).toThrow(/windowShare/)
  })
})

describe('fairness', () => {
  it("Jain's index is 1 for equal shares and 1/n when one takes all", () => {
    expect(jainIndex([5, 5, 5, 5])).toBe(1)
    expect(jainIndex([10, 0, 0, 0])).toBe(0.25)
    expect(jainIndex([1, 2, 3])).toBeCloseTo(36 / 42, 12)
    expect(jainIndex([])).toBeNull()
    expect(jainIndex([0, 0])).toBeNull()
  })

  it('spread is max over median', () => {
    expect(spread([1, 2, 3, 10])).toBe(10 / 2.5)
    expect(spread([4, 4])).toBe(1)
    expect(spread([])).toBeNull()
    expect(spread([0, 0, 1])).toBeNull()
  })
})
