/**
 * Latency samples on the hot path: appended to a preallocated Float64Array
 * (doubling when full) with a plain-number counter, so recording a sample
 * allocates nothing. Statistics run once, on a sorted copy, when asked.
 */
import type { Summary } from './run-metrics.js'
import { quantileOfSorted } from './quantile.js'

/** Initial capacity in samples; doubling amortises growth to O(1) per add. */
export const DEFAULT_INITIAL_CAPACITY = 1024

export interface SampleRecorder {
  /** Number of samples recorded. */
  readonly count: number
  /** Appends one sample (ms). Non-finite values are rejected with a RangeError. */
  add(ms: number): void
  /** The samples in insertion order, as a view (valid until the next add). */
  values(): Float64Array
  /** The sample at `index` (0-based, insertion order), without a view; undefined past the end. */
  at(index: number): number | undefined
  /** avg, p50, p95, p99, max and count; all null (count 0) when empty. */
  summary(): Summary
  /** Appends every sample of `other`. */
  merge(other: SampleRecorder): void
}

export interface SampleRecorderOptions {
  /** Preallocated capacity in samples (default 1024). */
  initialCapacity?: number
}

/** Creates an empty sample recorder. */
export function createSampleRecorder(options: SampleRecorderOptions = {}): SampleRecorder {
  const initial = options.initialCapacity ?? DEFAULT_INITIAL_CAPACITY
  if (!Number.isInteger(initial) || initial < 1) {
    throw new RangeError(`initialCapacity: got ${initial}; expected an integer >= 1`)
  }
  return new Float64SampleRecorder(initial)
}

class Float64SampleRecorder implements SampleRecorder {
  private buffer: Float64Array
  private size = 0

  constructor(capacity: number) {
    this.buffer = new Float64Array(capacity)
  }

  get count(): number {
    return this.size
  }

  add(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`sample: got ${ms}; expected a finite number`)
    if (this.size === this.buffer.length) this.grow(this.size + 1)
    this.buffer[this.size++] = ms
  }

  values(): Float64Array {
    return this.buffer.subarray(0, this.size)
  }

  at(index: number): number | undefined {
    return index >= 0 && index < this.size ? this.buffer[index] : undefined
  }

  summary(): Summary {
    return summarize(this.values())
  }

  merge(other: SampleRecorder): void {
    const incoming = other.values()
    const needed = this.size + incoming.length
    if (needed > this.buffer.length) this.grow(needed)
    // Copy first: `other` may be this recorder, whose view grow() replaced.
    this.buffer.set(incoming.slice(), this.size)
    this.size = needed
  }

  private grow(minimum: number): void {
    let capacity = this.buffer.length * 2
    while (capacity < minimum) capacity *= 2
    const next = new Float64Array(capacity)
    next.set(this.buffer.subarray(0, this.size))
    this.buffer = next
  }
}

/** Summary of any list of samples (ms); sorts a copy once. */
export function summarize(samples: ArrayLike<number>): Summary {
  const count = samples.length
  if (count === 0) return { avg: null, p50: null, p95: null, p99: null, max: null, count: 0 }
  // slice() is a memcpy; Float64Array.from walks an iterator.
  const sorted = (
    samples instanceof Float64Array ? samples.slice() : Float64Array.from(samples)
  ).sort()
  let sum = 0
  for (let i = 0; i < count; i++) sum += sorted[i]
  // One quantile definition for single runs and merges (quantile.ts); it only indexes,
  // so the sorted typed array goes in as is.
  return {
    avg: sum / count,
    p50: quantileOfSorted(sorted, 0.5),
    p95: quantileOfSorted(sorted, 0.95),
    p99: quantileOfSorted(sorted, 0.99),
    max: sorted[count - 1],
    count
  }
}
