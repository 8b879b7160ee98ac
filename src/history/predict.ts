/**
 * Predictive alerts: fit a line through the recent runs of each metric that
 * has a threshold and, when it heads toward the threshold, estimate when it
 * crosses. A prediction is raised only when the fit is good (r²), rests on
 * enough runs, and the crossing is near enough to act on; otherwise noise
 * would cry wolf.
 */
import { linearRegression, rSquared } from 'simple-statistics'
import type { Thresholds } from '../config/schema.js'
import { METRIC_DIRECTIONS, METRIC_SEVERITY, type Direction, type Severity } from './baseline.js'
import { metricOf, type HistoryRecord, type MetricKey } from './record.js'

/** Metrics with a threshold in Config, and which threshold. */
export const PREDICTED_METRICS = {
  p50LatencyMs: 'p50LatencyMs',
  p95LatencyMs: 'p95LatencyMs',
  p99LatencyMs: 'p99LatencyMs',
  successRate: 'successRate',
  healthScore: 'healthScore'
} as const satisfies Partial<Record<MetricKey, keyof Thresholds>>

export type PredictedMetric = keyof typeof PREDICTED_METRICS

export interface PredictOptions {
  /** Runs fitted, the current one included (default 10). */
  window?: number
  /** Fewer measured runs than this: no prediction (default 5). */
  minPoints?: number
  /** Fits with r² below this are noise, not a trend (default 0.6). */
  minR2?: number
  /** Crossings further away than this many runs are not raised (default 30). */
  horizonRuns?: number
}

export const PREDICT_DEFAULTS = { window: 10, minPoints: 5, minR2: 0.6, horizonRuns: 30 } as const

export interface Prediction {
  kind: 'prediction'
  metric: PredictedMetric
  severity: Severity
  direction: Direction
  /** Fitted change per run, in the metric's unit (signed). */
  slopePerRun: number
  /** Fitted change per day; null when run times do not span a day-measurable interval. */
  slopePerDay: number | null
  current: number
  threshold: number
  /** Runs after the current one until the fitted line crosses the threshold (>= 1). */
  runsToCross: number
  /** Days after the current run until crossing, from a fit over run times; null when unknown. */
  daysToCross: number | null
  /** r² of the per-run fit, 0-1. */
  r2: number
  /** Runs in the fit. */
  points: number
}

const MS_PER_DAY = 86_400_000

function crossed(value: number, threshold: number, direction: Direction): boolean {
  return direction === 'up-is-bad' ? value >= threshold : value < threshold
}

function towardThreshold(slope: number, direction: Direction): boolean {
  return direction === 'up-is-bad' ? slope > 0 : slope < 0
}

function checkOptions(options: PredictOptions): Required<PredictOptions> {
  const merged = { ...PREDICT_DEFAULTS, ...options }
  for (const name of ['window', 'minPoints', 'horizonRuns'] as const) {
    const value = merged[name]
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${name}: got ${value}; expected a positive integer`)
    }
  }
  if (!(merged.minR2 >= 0 && merged.minR2 <= 1)) {
    throw new RangeError(`minR2: got ${merged.minR2}; expected a number from 0 to 1`)
  }
  return merged
}

/** Days from the crossing of a per-day fit, or null when times cannot support one. */
function daysFit(
  points: { time: number; value: number }[],
  threshold: number,
  direction: Direction
): { slopePerDay: number | null; daysToCross: number | null } {
  const timed = points.filter((p) => Number.isFinite(p.time))
  if (timed.length < 2 || timed.length !== points.length)
    return { slopePerDay: null, daysToCross: null }
  const first = timed[0]!.time
  const data = timed.map((p) => [(p.time - first) / MS_PER_DAY, p.value])
  const lastDay = data[data.length - 1]![0]!
  if (!(lastDay > 0)) return { slopePerDay: null, daysToCross: null }
  const { m, b } = linearRegression(data)
  if (!Number.isFinite(m) || !towardThreshold(m, direction))
    return { slopePerDay: m, daysToCross: null }
  const daysToCross = Math.max(0, (threshold - b) / m - lastDay)
  return { slopePerDay: m, daysToCross: Number.isFinite(daysToCross) ? daysToCross : null }
}

/**
 * Predictions for the metrics of `current` that trend toward their threshold.
 * @param history previous runs, oldest first (not including `current`)
 * @param thresholds the run's thresholds (Config.thresholds)
 */
export function predictCrossings(
  history: readonly HistoryRecord[],
  current: HistoryRecord,
  thresholds: Pick<Thresholds, PredictedMetric>,
  options: PredictOptions = {}
): Prediction[] {
  const { window, minPoints, minR2, horizonRuns } = checkOptions(options)
  const series = [...history, current].slice(-window)
  const predictions: Prediction[] = []
  for (const metric of Object.keys(PREDICTED_METRICS) as PredictedMetric[]) {
    const threshold = thresholds[PREDICTED_METRICS[metric]]
    const direction = METRIC_DIRECTIONS[metric]
    const value = metricOf(current, metric)
    if (value === null || crossed(value, threshold, direction)) continue
    // x is the run's position, so a run that did not measure the metric leaves a gap.
    const points = series
      .map((record, index) => ({
        x: index,
        time: Date.parse(record.time),
        value: metricOf(record, metric)
      }))
      .filter((p): p is { x: number; time: number; value: number } => p.value !== null)
    if (points.length < minPoints) continue
    const data = points.map((p) => [p.x, p.value])
    const { m, b } = linearRegression(data)
    if (!Number.isFinite(m) || !towardThreshold(m, direction)) continue
    const r2 = rSquared(data, (x) => m * x + b)
    if (!Number.isFinite(r2) || r2 < minR2) continue
    const lastX = series.length - 1
    // The fitted line may already sit past the threshold while the run itself has not crossed.
    const runsToCross = Math.max(1, Math.ceil((threshold - b) / m - lastX))
    if (!Number.isFinite(runsToCross) || runsToCross > horizonRuns) continue
    predictions.push({
      kind: 'prediction',
      metric,
      severity: METRIC_SEVERITY[metric],
      direction,
      slopePerRun: m,
      current: value,
      threshold,
      runsToCross,
      ...daysFit(points, threshold, direction),
      r2,
      points: points.length
    })
  }
  return predictions
}
