import { describe, expect, it } from '@jest/globals'
import { createRandom } from '../../src/chaos/random.js'
import {
  createHistogram,
  histogramFromJson,
  histogramOf,
  DEFAULT_RELATIVE_ERROR
} from '../../src/metrics/histogram.js'
import { summarize } from '../../src/metrics/recorder.js'

/** Latency-like samples: a log-normal body with a heavy tail, seeded. */
function samples(seed: number, count: number): number[] {
  const random = createRandom(seed)
  const out: number[] = []
  for (let i = 0; i < count; i++) {
    const u = Math.max(1e-9, random.next())
    const v = random.next()
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
    const tail = random.next() < 0.02 ? random.between(200, 5_000) : 0
    out.push(Math.exp(3 + 0.6 * normal) + tail)
  }
  return out
}

function withinRelativeError(actual: number | null, expected: number | null): void {
  expect(actual).not.toBeNull()
  expect(expected).not.toBeNull()
  const error = Math.abs((actual as number) - (expected as number)) / (expected as number)
  expect(error).toBeLessThanOrEqual(DEFAULT_RELATIVE_ERROR + 1e-12)
}

describe('log-bucketed histogram', () => {
  it('merged percentiles equal those of the union of samples, within the relative error', () => {
    for (const seed of [1, 7, 42, 2026, 99_991]) {
      const a = samples(seed, 1_237)
      const b = samples(seed + 1, 8_311).map((x) => x * 1.7)
      // The two halves travel as JSON, like two jobs' report files.
      const left = histogramFromJson(JSON.parse(JSON.stringify(histogramOf(a).toJSON())))
      const right = histogramFromJson(JSON.parse(JSON.stringify(histogramOf(b).toJSON())))
      const merged = createHistogram()
      merged.merge(left)
      merged.merge(right)
      const exact = summarize([...a, ...b])
      expect(merged.count).toBe(a.length + b.length)
      for (const p of [0.5, 0.95, 0.99] as const) {
        const key = p === 0.5 ? 'p50' : p === 0.95 ? 'p95' : 'p99'
        withinRelativeError(merged.quantile(p), exact[key])
      }
      expect(merged.max).toBe(exact.max)
      expect(merged.sum / merged.count).toBeCloseTo(exact.avg as number, 6)
    }
  })

  it('averaging the two reports percentiles would be wrong, so the test can fail', () => {
    const a = samples(3, 2_000)
    const b = samples(4, 200).map((x) => x * 20)
    const exact = summarize([...a, ...b]).p95 as number
    const averaged = ((summarize(a).p95 as number) + (summarize(b).p95 as number)) / 2
    expect(Math.abs(averaged - exact) / exact).toBeGreaterThan(DEFAULT_RELATIVE_ERROR)
  })

  it('stores only non-empty buckets as sorted [index, count] pairs', () => {
    const json = histogramOf([0, 1, 1, 1, 100]).toJSON()
    expect(json.zeroCount).toBe(1)
    expect(json.count).toBe(5)
    expect(json.buckets).toEqual([
      [0, 3],
      [expect.any(Number), 1]
    ])
    expect(json.buckets.length).toBe(2)
  })

  it('is empty-safe and rejects bad values and bad JSON with the field named', () => {
    const empty = createHistogram()
    expect(empty.quantile(0.95)).toBeNull()
    expect(() => empty.add(-1)).toThrow(/value: got -1/)
    expect(() => empty.add(Number.NaN)).toThrow(RangeError)
    expect(() => createHistogram(0.7)).toThrow(/relativeError: got 0.7/)
    const json = histogramOf([1, 2, 3]).toJSON()
    expect(() => histogramFromJson({ ...json, count: 4 })).toThrow(/count: got 4/)
    expect(() => histogramFromJson({ ...json, buckets: [[1.5, 2]] })).toThrow(/buckets: got/)
    expect(() => histogramFromJson({ ...json, relativeError: 'x' })).toThrow(/relativeError/)
    expect(() => createHistogram(0.01).merge(createHistogram(0.02))).toThrow(/relativeError/)
  })
})
