/**
 * One-line sentences for trend findings, shared by the step summary, the
 * console, annotations and issue comments so they all say the same thing.
 */
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

function trim(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)))
}

/** A metric value with its unit: `512 ms`, `97.5 %`, `83`, `120 msgs/s`. */
export function formatMetric(metric: MetricKey, value: number): string {
  const { unit } = METRIC_LABELS[metric]
  const abs = Math.abs(value)
  if (unit === 'ratio') return `${trim(value * 100, 2)} %`
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2
  if (unit === 'ms') return `${trim(value, digits)} ms`
  if (unit === 'msgs/s') return `${trim(value, digits)} msgs/s`
  return trim(value, digits)
}

function formatRate(metric: MetricKey, perStep: number, step: 'run' | 'day'): string {
  const { unit } = METRIC_LABELS[metric]
  const abs = Math.abs(perStep)
  if (unit === 'ratio') return `${trim(abs * 100, 2)} %/${step}`
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2
  const suffix = unit === 'ms' ? ' ms' : unit === 'msgs/s' ? ' msgs/s' : ''
  return `${trim(abs, digits)}${suffix}/${step}`
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
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
    `r² ${p.r2.toFixed(2)} over ${plural(p.points, 'run')}`
  )
}

/** "p95 latency 640 ms vs baseline 410 ms ± 24 ms (10 runs), +56 %" */
export function describeRegression(r: Regression): string {
  const label = METRIC_LABELS[r.metric].label
  const spread = r.upper - r.median
  const change =
    r.relativeChange === null
      ? ''
      : `, ${r.relativeChange > 0 ? '+' : ''}${trim(r.relativeChange * 100, 1)} %`
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
