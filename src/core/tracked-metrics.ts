/**
 * The metrics run history tracks and the regression a baseline finds in one
 * of them: the lowest layer, because the report carries regressions
 * (RunReport.gate, judged in src/engine/gate.ts) while src/history/, above
 * the engine, computes them.
 */

/** Metrics tracked across runs; every key is a number or null (not measured). */
export const METRIC_KEYS = [
  'healthScore',
  'avgLatencyMs',
  'p50LatencyMs',
  'p95LatencyMs',
  'p99LatencyMs',
  'successRate',
  'deliveryRate',
  'reconnections',
  'recoveryTimeMaxMs',
  'connectTimeAvgMs',
  'throughputMsgsPerSec',
  'errors'
] as const

export type MetricKey = (typeof METRIC_KEYS)[number]

/** Which way a metric gets worse. */
export type Direction = 'up-is-bad' | 'down-is-bad'

/** Seed advice: critical for connection failures, warning for performance, info for recovery. */
export type Severity = 'critical' | 'warning' | 'info'

export interface Regression {
  kind: 'regression'
  metric: MetricKey
  severity: Severity
  direction: Direction
  current: number
  median: number
  mad: number
  n: number
  /** Edges of the noise band, median ± k·MAD. */
  lower: number
  upper: number
  /** (current − median) / |median|; null when the median is 0. */
  relativeChange: number | null
}
