/**
 * A mergeable latency histogram with fixed relative error: log-spaced
 * buckets (bucket i holds values in (gamma^(i-1), gamma^i], gamma =
 * (1+a)/(1-a)), so any value read back from a bucket is within `a` of every
 * value it holds (a = 1 % by default). Bucket boundaries depend on `a` alone,
 * never on the data, so histograms from different jobs merge by adding counts
 * and the merged percentiles are those of the union of the samples, within
 * `a`. Stored sparse: only non-empty buckets, as [index, count] pairs.
 *
 * Why not hdr-histogram-js: its serialised form is a compressed base64 blob
 * with a fixed value range chosen up front; a few lines of log-bucketing give
 * a readable JSON block, any range, and no dependency in the bundle.
 */
import type { HistogramJson } from './run-metrics.js'
import { quantileRanks } from './quantile.js'

/** Relative error of every value read back (1 %). */
export const DEFAULT_RELATIVE_ERROR = 0.01
/** Values at or below this (ms) count as zero: one nanosecond is below any clock we use. */
export const ZERO_THRESHOLD_MS = 1e-6
/** Highest bucket count a histogram may claim when read from a file (guards hostile reports). */
export const MAX_BUCKETS = 100_000

export interface Histogram {
  readonly relativeError: number
  readonly count: number
  /** Exact sum of the values (ms), so averages stay exact. */
  readonly sum: number
  readonly min: number | null
  readonly max: number | null
  /** Adds one value (ms); non-finite or negative values throw a RangeError. */
  add(value: number): void
  /** Adds every count of `other` (same relative error, else RangeError). */
  merge(other: Histogram): void
  /**
   * The p-quantile (0-1) by the exact path's definition (quantile.ts:
   * interpolation between ranks), each rank read within `relativeError` of
   * the true sample; null when empty.
   */
  quantile(p: number): number | null
  toJSON(): HistogramJson
}

/** Creates an empty histogram with relative error `relativeError` (0 < a < 0.5). */
export function createHistogram(relativeError = DEFAULT_RELATIVE_ERROR): Histogram {
  if (!(relativeError > 0 && relativeError < 0.5)) {
    throw new RangeError(`relativeError: got ${relativeError}; expected 0 < value < 0.5`)
  }
  return new LogHistogram(relativeError)
}

/** A histogram of every value in `values` (ms). */
export function histogramOf(
  values: ArrayLike<number>,
  relativeError = DEFAULT_RELATIVE_ERROR
): Histogram {
  if (!(relativeError > 0 && relativeError < 0.5)) {
    throw new RangeError(`relativeError: got ${relativeError}; expected 0 < value < 0.5`)
  }
  const histogram = new LogHistogram(relativeError)
  histogram.addAll(values)
  return histogram
}

/**
 * Rebuilds a histogram from its JSON block, checking every field.
 * @throws RangeError naming the bad field (callers add the file name).
 */
export function histogramFromJson(json: unknown): Histogram {
  const bad = (field: string, value: unknown, allowed: string): never => {
    throw new RangeError(`${field}: got ${JSON.stringify(value)}; expected ${allowed}`)
  }
  if (typeof json !== 'object' || json === null) return bad('histogram', json, 'an object')
  const block = json as Record<string, unknown>
  const a = block.relativeError
  if (typeof a !== 'number' || !(a > 0 && a < 0.5)) bad('relativeError', a, '0 < number < 0.5')
  const histogram = new LogHistogram(a as number)
  const zero = block.zeroCount
  if (!isCount(zero)) bad('zeroCount', zero, 'an integer >= 0')
  const buckets = block.buckets
  if (!Array.isArray(buckets) || buckets.length > MAX_BUCKETS) {
    bad('buckets', typeof buckets, `an array of at most ${MAX_BUCKETS} [index, count] pairs`)
  }
  const sum = block.sum
  if (typeof sum !== 'number' || !Number.isFinite(sum) || sum < 0) bad('sum', sum, 'a number >= 0')
  histogram.restore(zero as number, buckets as unknown[], sum as number, block.min, block.max)
  const count = block.count
  if (count !== histogram.count) bad('count', count, `the buckets' total ${histogram.count}`)
  return histogram
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

class LogHistogram implements Histogram {
  readonly relativeError: number
  private readonly logGamma: number
  private readonly buckets = new Map<number, number>()
  private zeroCount = 0
  private total = 0
  private sumMs = 0
  private low: number | null = null
  private high: number | null = null

  constructor(relativeError: number) {
    this.relativeError = relativeError
    this.logGamma = Math.log((1 + relativeError) / (1 - relativeError))
  }

  get count(): number {
    return this.total
  }
  get sum(): number {
    return this.sumMs
  }
  get min(): number | null {
    return this.low
  }
  get max(): number | null {
    return this.high
  }

  add(value: number): void {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`value: got ${value}; expected a finite number >= 0 (ms)`)
    }
    this.addCount(value, 1)
    this.sumMs += value
  }

  /**
   * Adds every value (ms) at once: counts go to a dense local array indexed
   * by bucket, so the Map is touched once per bucket rather than twice per
   * value. Same buckets, same sum (added in the same order) as add() per value.
   */
  addAll(values: ArrayLike<number>): void {
    const n = values.length
    let lo = Number.POSITIVE_INFINITY
    let hi = Number.NEGATIVE_INFINITY
    let sum = 0
    for (let i = 0; i < n; i++) {
      const value = values[i] as number
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(`value: got ${value}; expected a finite number >= 0 (ms)`)
      }
      sum += value
      if (value < lo) lo = value
      if (value > hi) hi = value
    }
    if (n === 0) return
    let zeros = 0
    if (hi > ZERO_THRESHOLD_MS) {
      // Every value above the threshold has a bucket index in [first, last].
      const first = Math.ceil(Math.log(Math.max(lo, ZERO_THRESHOLD_MS)) / this.logGamma)
      const last = Math.ceil(Math.log(hi) / this.logGamma)
      const counts = new Float64Array(last - first + 1)
      for (let i = 0; i < n; i++) {
        const value = values[i] as number
        if (value <= ZERO_THRESHOLD_MS) zeros++
        else counts[Math.ceil(Math.log(value) / this.logGamma) - first]++
      }
      for (let k = 0; k < counts.length; k++) this.addBucket(first + k, counts[k])
    } else {
      zeros = n
    }
    this.zeroCount += zeros
    this.total += zeros
    this.sumMs += sum
    this.widen(lo)
    this.widen(hi)
  }

  merge(other: Histogram): void {
    if (other.relativeError !== this.relativeError) {
      throw new RangeError(
        `relativeError: got ${other.relativeError}; expected ${this.relativeError} (histograms with different buckets cannot merge)`
      )
    }
    const json = other.toJSON()
    this.zeroCount += json.zeroCount
    this.total += json.zeroCount
    for (const [index, count] of json.buckets) this.addBucket(index, count)
    this.sumMs += json.sum
    this.widen(json.min)
    this.widen(json.max)
  }

  quantile(p: number): number | null {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`p: got ${p}; expected 0 <= p <= 1`)
    const n = this.total
    if (n === 0) return null
    // The exact ends are kept, so p = 0 and p = 1 are read back exactly.
    if (p === 0) return this.low
    if (p === 1) return this.high
    const { lower, upper, fraction } = quantileRanks(n, p)
    const low = this.valueAtRank(lower)
    // Interpolating between two estimates each within the relative error stays within it.
    return fraction === 0 ? low : low + fraction * (this.valueAtRank(upper) - low)
  }

  toJSON(): HistogramJson {
    const buckets = [...this.buckets.entries()]
      .sort((x, y) => x[0] - y[0])
      .map(([index, count]): [number, number] => [index, count])
    return {
      relativeError: this.relativeError,
      count: this.total,
      sum: this.sumMs,
      min: this.low,
      max: this.high,
      zeroCount: this.zeroCount,
      buckets
    }
  }

  /** Used by histogramFromJson only: loads validated counts. */
  restore(zero: number, buckets: unknown[], sum: number, min: unknown, max: unknown): void {
    this.zeroCount = zero
    this.total = zero
    for (const pair of buckets) {
      const [index, count] = Array.isArray(pair) ? pair : []
      if (!Number.isSafeInteger(index) || Math.abs(index as number) > 1e6 || !isCount(count)) {
        throw new RangeError(
          `buckets: got ${JSON.stringify(pair)}; expected [integer index, integer count >= 0]`
        )
      }
      this.addBucket(index as number, count)
    }
    this.sumMs = sum
    for (const [field, bound] of [
      ['min', min],
      ['max', max]
    ] as const) {
      const empty = this.total === 0
      const ok = empty
        ? bound === null
        : typeof bound === 'number' && Number.isFinite(bound) && bound >= 0
      if (!ok) {
        throw new RangeError(
          `${field}: got ${JSON.stringify(bound)}; expected ${empty ? 'null (no samples)' : 'a number >= 0'}`
        )
      }
      this.widen(bound as number | null)
    }
  }

  private addCount(value: number, count: number): void {
    if (value <= ZERO_THRESHOLD_MS) {
      this.zeroCount += count
      this.total += count
    } else {
      this.addBucket(Math.ceil(Math.log(value) / this.logGamma), count)
    }
    this.widen(value)
  }

  private addBucket(index: number, count: number): void {
    if (count === 0) return
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + count)
    this.total += count
  }

  private widen(value: number | null): void {
    if (value === null) return
    if (this.low === null || value < this.low) this.low = value
    if (this.high === null || value > this.high) this.high = value
  }

  /** Estimate of the sample at 0-based `rank` in sorted order. */
  private valueAtRank(rank: number): number {
    let seen = this.zeroCount
    if (rank < seen) return 0
    const indices = [...this.buckets.keys()].sort((x, y) => x - y)
    for (const index of indices) {
      seen += this.buckets.get(index) as number
      if (rank < seen) return this.clamp(this.representative(index))
    }
    return this.high ?? 0
  }

  /** The point whose relative distance to both bucket edges is `relativeError`. */
  private representative(index: number): number {
    const gamma = Math.exp(this.logGamma)
    return (2 * Math.exp(index * this.logGamma)) / (gamma + 1)
  }

  private clamp(value: number): number {
    if (this.low !== null && value < this.low) return this.low
    if (this.high !== null && value > this.high) return this.high
    return value
  }
}
