/**
 * Baselines that know noise. A run is compared with the median of the last
 * runs, not with the previous run alone, and only counts as a regression
 * when it is both outside median ± k·MAD (robust to the odd outlier already
 * in history) and worse by a minimum relative and absolute change (so a
 * very quiet metric, MAD near 0, does not alert on a trivial wobble).
 */
import { median, medianAbsoluteDeviation } from 'simple-statistics'
import type { Config } from '../config/schema.js'
import { METRIC_KEYS, metricOf, type HistoryRecord, type MetricKey } from './record.js'
import type { Direction, Regression, Severity } from '../core/tracked-metrics.js'

export type { Direction, Regression, Severity } from '../core/tracked-metrics.js'

export const METRIC_DIRECTIONS: Record<MetricKey, Direction> = {
  healthScore: 'down-is-bad',
  avgLatencyMs: 'up-is-bad',
  p50LatencyMs: 'up-is-bad',
  p95LatencyMs: 'up-is-bad',
  p99LatencyMs: 'up-is-bad',
  successRate: 'down-is-bad',
  deliveryRate: 'down-is-bad',
  reconnections: 'up-is-bad',
  recoveryTimeMaxMs: 'up-is-bad',
  connectTimeAvgMs: 'up-is-bad',
  throughputMsgsPerSec: 'down-is-bad',
  errors: 'up-is-bad'
}

/** Connection failures are critical; performance drift is a warning. */
export const METRIC_SEVERITY: Record<MetricKey, Severity> = {
  healthScore: 'warning',
  avgLatencyMs: 'warning',
  p50LatencyMs: 'warning',
  p95LatencyMs: 'warning',
  p99LatencyMs: 'warning',
  successRate: 'critical',
  deliveryRate: 'critical',
  reconnections: 'critical',
  recoveryTimeMaxMs: 'warning',
  connectTimeAvgMs: 'warning',
  throughputMsgsPerSec: 'warning',
  errors: 'critical'
}

/**
 * Smallest change worth an alert, in the metric's unit; it rules alone when
 * the median is 0 (errors, reconnections), where a relative change means nothing.
 */
export const DEFAULT_MIN_ABSOLUTE_CHANGE: Record<MetricKey, number> = {
  healthScore: 2,
  avgLatencyMs: 1,
  p50LatencyMs: 1,
  p95LatencyMs: 1,
  p99LatencyMs: 1,
  successRate: 0.01,
  deliveryRate: 0.01,
  reconnections: 2,
  recoveryTimeMaxMs: 10,
  connectTimeAvgMs: 1,
  throughputMsgsPerSec: 1,
  errors: 2
}

/** Makes MAD a consistent estimator of the standard deviation for normal noise. */
export const MAD_SCALE = 1.4826

export interface BaselineOptions {
  /** Runs the baseline looks back over (default 10). */
  window?: number
  /** Fewer measured runs than this: no baseline for the metric (default 5). */
  minPoints?: number
}

export interface RegressionOptions extends BaselineOptions {
  /** Width of the noise band in scaled MADs (config regressionK). */
  k: number
  /** Worse by at least this share of the median, 0.2 = 20 % (config regressionMinChange). */
  minRelativeChange: number
  /** Per-metric overrides of the minimum absolute change, in the metric's unit. */
  minAbsoluteChange?: Partial<Record<MetricKey, number>>
  /** Per-metric overrides of which way is worse. */
  directions?: Partial<Record<MetricKey, Direction>>
}

/** Not user settings: how far back a baseline looks and how many runs it needs. */
export const BASELINE_DEFAULTS = { window: 10, minPoints: 5 } as const

/** The regression settings of a run's config (regression_k, regression_min_change). */
export function regressionOptions(
  config: Pick<Config, 'regressionK' | 'regressionMinChange'>
): RegressionOptions {
  return { k: config.regressionK, minRelativeChange: config.regressionMinChange }
}

export interface MetricBaseline {
  median: number
  /** Scaled MAD (MAD × 1.4826), in the metric's unit. */
  mad: number
  /** Measured runs the baseline is built from. */
  n: number
}

export type Baselines = Partial<Record<MetricKey, MetricBaseline>>

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name}: got ${value}; expected a positive integer`)
  }
  return value
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name}: got ${value}; expected a finite number >= 0`)
  }
  return value
}

/**
 * Median and scaled MAD per metric over the last `window` runs of `history`
 * (oldest first), for every metric measured in at least `minPoints` of them.
 */
export function computeBaselines(
  history: readonly HistoryRecord[],
  options: BaselineOptions = {}
): Baselines {
  const window = positiveInt('window', options.window ?? BASELINE_DEFAULTS.window)
  const minPoints = positiveInt('minPoints', options.minPoints ?? BASELINE_DEFAULTS.minPoints)
  const recent = history.slice(Math.max(0, history.length - window))
  const baselines: Baselines = {}
  for (const key of METRIC_KEYS) {
    const values = recent.map((r) => metricOf(r, key)).filter((v): v is number => v !== null)
    if (values.length < minPoints) continue
    baselines[key] = {
      median: median(values),
      mad: medianAbsoluteDeviation(values) * MAD_SCALE,
      n: values.length
    }
  }
  return baselines
}

/**
 * Metrics of `current` that regressed against the baseline of `history`
 * (previous runs, oldest first, not including `current`).
 */
export function findRegressions(
  history: readonly HistoryRecord[],
  current: HistoryRecord,
  options: RegressionOptions
): Regression[] {
  const k = nonNegative('k', options.k)
  const minRelative = nonNegative('minRelativeChange', options.minRelativeChange)
  const baselines = computeBaselines(history, options)
  const regressions: Regression[] = []
  for (const key of METRIC_KEYS) {
    const base = baselines[key]
    const value = metricOf(current, key)
    if (!base || value === null) continue
    const direction = options.directions?.[key] ?? METRIC_DIRECTIONS[key]
    const worseBy = direction === 'up-is-bad' ? value - base.median : base.median - value
    const minAbsolute = nonNegative(
      `minAbsoluteChange.${key}`,
      options.minAbsoluteChange?.[key] ?? DEFAULT_MIN_ABSOLUTE_CHANGE[key]
    )
    // With MAD = 0 the band collapses to the median; the relative and absolute rules then decide.
    const outsideBand = worseBy > k * base.mad
    const beyondRelative = worseBy >= minRelative * Math.abs(base.median)
    if (!(outsideBand && beyondRelative && worseBy >= minAbsolute && worseBy > 0)) continue
    regressions.push({
      kind: 'regression',
      metric: key,
      severity: METRIC_SEVERITY[key],
      direction,
      current: value,
      median: base.median,
      mad: base.mad,
      n: base.n,
      lower: base.median - k * base.mad,
      upper: base.median + k * base.mad,
      relativeChange: base.median === 0 ? null : (value - base.median) / Math.abs(base.median)
    })
  }
  return regressions
}
