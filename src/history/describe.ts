/**
 * One-line sentences for trend findings, shared by the step summary, the
 * console, annotations and issue comments so they all say the same thing.
 * Figures are written by src/format/figures.ts, as in every other section;
 * only their precision is the trend's own (trendDigits).
 */
import {
  formatChange,
  formatMs,
  formatNumber,
  formatPercent,
  formatThroughput,
  plural,
  trendDigits
} from '../format/figures.js'
import type { Regression } from './baseline.js'
import type { Prediction } from './predict.js'
import type { MetricKey } from './record.js'
import type { Recovery, TrendAlert, TrendReport } from './trend.js'

type Unit = 'ms' | 'ratio' | 'count' | 'score' | 'msgs/s'

export const METRIC_LABELS: Record<MetricKey, { label: string; unit: Unit }> = {
  healthScore: { label: 'health score', unit: 'score' },
  avgLatencyMs: { label: 'average latency', unit: 'ms' },
  p50LatencyMs: { label: 'p50 latency', unit: 'ms' },
  p95LatencyMs: { label: 'p95 latency', unit: 'ms' },
  p99LatencyMs: { label: 'p99 latency', unit: 'ms' },
  successRate: { label: 'success rate', unit: 'ratio' },
  deliveryRate: { label: 'delivery rate', unit: 'ratio' },
  reconnections: { label: 'reconnections', unit: 'count' },
  recoveryTimeMaxMs: { label: 'max recovery time', unit: 'ms' },
  connectTimeAvgMs: { label: 'average connect time', unit: 'ms' },
  throughputMsgsPerSec: { label: 'throughput', unit: 'msgs/s' },
  errors: { label: 'errors', unit: 'count' }
}

/**
 * A metric value with its unit, to about three significant figures:
 * `512 ms`, `97.55%`, `83`, `120 msgs/s`.
 */
export function formatMetric(metric: MetricKey, value: number): string {
  const { unit } = METRIC_LABELS[metric]
  // Two decimals of a percentage: success rates differ in the second (99.95% vs 99.9%).
  if (unit === 'ratio') return formatPercent(value, 2)
  const digits = trendDigits(value)
  if (unit === 'ms') return formatMs(value, digits)
  if (unit === 'msgs/s') return formatThroughput(value, digits)
  return formatNumber(value, digits)
}

/** How fast a metric moves, unsigned (the sentence says rising or falling): `12 ms/run`. */
function formatRate(metric: MetricKey, perStep: number, step: 'run' | 'day'): string {
  return `${formatMetric(metric, Math.abs(perStep))}/${step}`
}

/** "p95 latency rising 12 ms/run; crosses 500 ms in about 6 runs (about 3 days); r² 0.94 over 10 runs" */
export function describePrediction(p: Prediction): string {
  const label = METRIC_LABELS[p.metric].label
  const verb = p.slopePerRun > 0 ? 'rising' : 'falling'
  const days =
    p.daysToCross === null
      ? ''
      : p.daysToCross < 1
        ? ' (within a day)'
        : ` (about ${plural(Math.round(p.daysToCross), 'day')})`
  return (
    `${label} ${verb} ${formatRate(p.metric, p.slopePerRun, 'run')}; crosses ` +
    `${formatMetric(p.metric, p.threshold)} in about ${plural(p.runsToCross, 'run')}${days}; ` +
    `r² ${formatNumber(p.r2, 2)} over ${plural(p.points, 'run')}`
  )
}

/** "p95 latency 640 ms vs baseline 410 ms ± 24 ms (10 runs), +56 %" */
export function describeRegression(r: Regression): string {
  const label = METRIC_LABELS[r.metric].label
  const spread = r.upper - r.median
  const change = r.relativeChange === null ? '' : `, ${formatChange(r.relativeChange)}`
  return (
    `${label} ${formatMetric(r.metric, r.current)} vs baseline ` +
    `${formatMetric(r.metric, r.median)} ± ${formatMetric(r.metric, spread)} ` +
    `(median of ${plural(r.n, 'run')})${change}`
  )
}

/** "recovered: passed after 3 runs that did not pass" */
export function describeRecovery(r: Recovery): string {
  return `recovered: passed after ${plural(r.failedRuns, 'run')} that did not pass (last was ${r.previousStatus})`
}

export interface DescribedAlert extends TrendAlert {
  text: string
}

/** Every alert of a trend with its sentence, critical first. */
export function describeAlerts(trend: TrendReport): DescribedAlert[] {
  return trend.alerts.map((alert) => {
    let text = ''
    if (alert.kind === 'recovery' && trend.recovery) text = describeRecovery(trend.recovery)
    if (alert.kind === 'regression') {
      const found = trend.regressions.find((r) => r.metric === alert.metric)
      if (found) text = `regression: ${describeRegression(found)}`
    }
    if (alert.kind === 'prediction') {
      const found = trend.predictions.find((p) => p.metric === alert.metric)
      if (found) text = `predicted: ${describePrediction(found)}`
    }
    return { ...alert, text }
  })
}
