/**
 * Degradation over time (regression of latency on time, first vs last
 * window) and fairness across connections (Jain's index, max/median spread).
 */
import { linearRegression, linearRegressionLine, median, rSquared } from 'simple-statistics'

export interface TimedSample {
  /** Monotonic ms when the sample was taken. */
  tMs: number
  value: number
}

export interface Degradation {
  /** Change of the value per second of run time (e.g. ms of latency per s); null with < 2 distinct times. */
  slopeMsPerSec: number | null
  /** Fit quality 0-1 of that line; null when there is no slope. */
  r2: number | null
  firstWindowMedian: number | null
  lastWindowMedian: number | null
  /** (last - first) / first; null when first is 0 or missing. */
  relativeChange: number | null
  count: number
}

export interface DegradationOptions {
  /** Share of the samples in each of the first and last windows, 0-0.5 (default 0.2). */
  windowShare?: number
}

export const DEFAULT_WINDOW_SHARE = 0.2

/**
 * Regression of `value` on time. Accepts `{tMs, value}[]` or two parallel
 * arrays (times in ms, values). Samples are taken in the given order.
 */
export function degradation(
  samples: readonly TimedSample[] | ArrayLike<number>,
  valuesOrOptions?: ArrayLike<number> | DegradationOptions,
  maybeOptions: DegradationOptions = {}
): Degradation {
  let times: ArrayLike<number>
  let values: ArrayLike<number>
  let options: DegradationOptions
  if (isArrayLike(valuesOrOptions)) {
    times = samples as ArrayLike<number>
    values = valuesOrOptions
    options = maybeOptions
    if (times.length !== values.length) {
      throw new RangeError(
        `values: got ${values.length} values for ${times.length} times; expected equal lengths`
      )
    }
  } else {
    const list = samples as readonly TimedSample[]
    times = list.map((s) => s.tMs)
    values = list.map((s) => s.value)
    options = valuesOrOptions ?? {}
  }
  const share = options.windowShare ?? DEFAULT_WINDOW_SHARE
  if (!(share > 0 && share <= 0.5)) {
    throw new RangeError(`windowShare: got ${share}; expected a number in (0, 0.5]`)
  }
  const count = values.length
  const result: Degradation = {
    slopeMsPerSec: null,
    r2: null,
    firstWindowMedian: null,
    lastWindowMedian: null,
    relativeChange: null,
    count
  }
  if (count === 0) return result
  const window = Math.max(1, Math.floor(count * share))
  const all = Array.from(values)
  result.firstWindowMedian = median(all.slice(0, window))
  result.lastWindowMedian = median(all.slice(count - window))
  if (result.firstWindowMedian !== 0) {
    result.relativeChange =
      (result.lastWindowMedian - result.firstWindowMedian) / result.firstWindowMedian
  }
  const pairs: [number, number][] = new Array(count)
  let distinct = false
  for (let i = 0; i < count; i++) {
    pairs[i] = [times[i] / 1000, values[i]]
    if (times[i] !== times[0]) distinct = true
  }
  if (count >= 2 && distinct) {
    const line = linearRegression(pairs)
    result.slopeMsPerSec = line.m
    const r2 = rSquared(pairs, linearRegressionLine(line))
    // A flat series fits any horizontal line perfectly; simple-statistics gives NaN there.
    result.r2 = Number.isFinite(r2) ? r2 : 1
  }
  return result
}

/** Jain's fairness index (sum x)^2 / (n * sum x^2), 1/n..1; null when empty or all zero. */
export function jainIndex(values: ArrayLike<number>): number | null {
  let sum = 0
  let squares = 0
  for (let i = 0; i < values.length; i++) {
    sum += values[i]
    squares += values[i] * values[i]
  }
  if (values.length === 0 || squares === 0) return null
  return (sum * sum) / (values.length * squares)
}

/** max / median of the values (1 = even); null when empty or the median is 0. */
export function spread(values: ArrayLike<number>): number | null {
  if (values.length === 0) return null
  const list = Array.from(values)
  const mid = median(list)
  if (mid === 0) return null
  let max = list[0]
  for (const v of list) if (v > max) max = v
  return max / mid
}

function isArrayLike(value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || ArrayBuffer.isView(value)
}
