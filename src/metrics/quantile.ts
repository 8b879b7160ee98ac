/**
 * The one quantile definition of every figure ws-health reports: linear
 * interpolation between the two closest ranks (Hyndman & Fan type 7, the
 * default of numpy.percentile, R's quantile and simple-statistics'
 * quantileSorted). The exact path (recorder.ts, single runs) and the
 * histogram (histogram.ts, merges) both read ranks through quantileRanks, so
 * a merged percentile differs from the single-run one only by the
 * histogram's bucket error, never by a different definition.
 */

/** Where the p-quantile of `count` sorted samples lies: between two 0-based ranks. */
export interface QuantileRanks {
  lower: number
  upper: number
  /** Weight of `upper` (0-1): quantile = lower + fraction * (upper - lower). */
  fraction: number
}

/**
 * The ranks the p-quantile (0-1) of `count` (>= 1) sorted samples
 * interpolates between: position (count - 1) * p.
 * @throws RangeError for p outside 0-1 or a count below 1.
 */
export function quantileRanks(count: number, p: number): QuantileRanks {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p: got ${p}; expected 0 <= p <= 1`)
  if (!(Number.isSafeInteger(count) && count >= 1)) {
    throw new RangeError(`count: got ${count}; expected an integer >= 1`)
  }
  const position = (count - 1) * p
  const lower = Math.floor(position)
  const upper = Math.min(count - 1, Math.ceil(position))
  return { lower, upper, fraction: position - lower }
}

/** The p-quantile of `sorted` (ascending, at least one value), by quantileRanks. */
export function quantileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const { lower, upper, fraction } = quantileRanks(sorted.length, p)
  const low = sorted[lower] as number
  return fraction === 0 ? low : low + fraction * ((sorted[upper] as number) - low)
}
