/**
 * The `trend` block of the JSON report: baselines, regressions against them,
 * predicted threshold crossings, and the alerts they raise. Pure: history
 * in, numbers out; src/history/describe.ts and src/report/ write the words.
 */
import type { Thresholds } from '../config/schema.js'
import type { MetricValue } from '../engine/model.js'
import {
  computeBaselines,
  findRegressions,
  type Baselines,
  type Regression,
  type RegressionOptions,
  type Severity
} from './baseline.js'
import { predictCrossings, type PredictOptions, type Prediction } from './predict.js'
import { metricOf, type HistoryRecord, type MetricKey } from './record.js'

/** The service passed again after failing or degrading runs. */
export interface Recovery {
  kind: 'recovery'
  severity: 'info'
  /** Consecutive runs before this one that did not pass. */
  failedRuns: number
  /** Status of the run just before this one. */
  previousStatus: 'degraded' | 'failed'
}

export interface TrendAlert {
  kind: 'regression' | 'prediction' | 'recovery'
  severity: Severity
  /** Null for recovery, which concerns the whole run. */
  metric: MetricKey | null
}

/** Metrics the summary charts, in this order. */
export const SERIES_METRICS = [
  'p50LatencyMs',
  'p95LatencyMs',
  'p99LatencyMs',
  'successRate',
  'healthScore'
] as const satisfies readonly MetricKey[]

export type SeriesMetric = (typeof SERIES_METRICS)[number]

/** The last runs, oldest first, the current one last: what a line chart plots. */
export interface TrendSeries {
  times: string[]
  /** Commit of each run (null: not recorded), aligned with `times`; absent in older reports. */
  commits?: (string | null)[]
  statuses: HistoryRecord['status'][]
  /** One value per run (null: not measured), aligned with `times`. */
  metrics: Record<SeriesMetric, (number | null)[]>
}

export interface TrendReport {
  /** Previous runs of the same target the analysis used (not counting the current one). */
  historySize: number
  baseline: Baselines
  regressions: Regression[]
  predictions: Prediction[]
  recovery: Recovery | null
  /** Every alert, critical first. */
  alerts: TrendAlert[]
  series: TrendSeries
}

export interface TrendOptions {
  /** The config's regression settings (regressionOptions(config)). */
  regression: RegressionOptions
  prediction?: PredictOptions
  /** Runs in `series`, the current one included (default 20). */
  seriesLength?: number
}

export const DEFAULT_SERIES_LENGTH = 20

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 }

function findRecovery(history: readonly HistoryRecord[], current: HistoryRecord): Recovery | null {
  const previous = history[history.length - 1]
  if (current.status !== 'passed' || !previous || previous.status === 'passed') return null
  let failedRuns = 0
  for (let i = history.length - 1; i >= 0 && history[i]!.status !== 'passed'; i--) failedRuns++
  return { kind: 'recovery', severity: 'info', failedRuns, previousStatus: previous.status }
}

function buildSeries(records: readonly HistoryRecord[]): TrendSeries {
  const metrics = {} as Record<SeriesMetric, (number | null)[]>
  for (const key of SERIES_METRICS) metrics[key] = records.map((r) => metricOf(r, key))
  return {
    times: records.map((r) => r.time),
    commits: records.map((r) => r.commit),
    statuses: records.map((r) => r.status),
    metrics
  }
}

/**
 * Analyses the current run against its history. Only runs against the same
 * target count: another service's latency is not a baseline for this one.
 * @param history previous runs, oldest first, not including `current`
 * @param current this run's record (toHistoryRecord)
 * @param config anything with the run's thresholds (Config works)
 */
export function analyzeTrend(
  history: readonly HistoryRecord[],
  current: HistoryRecord,
  config: { thresholds: Thresholds },
  options: TrendOptions
): TrendReport {
  const seriesLength = options.seriesLength ?? DEFAULT_SERIES_LENGTH
  if (!Number.isInteger(seriesLength) || seriesLength < 1) {
    throw new RangeError(`seriesLength: got ${seriesLength}; expected a positive integer`)
  }
  const previous = history.filter((record) => record.target === current.target)
  const regressions = findRegressions(previous, current, options.regression)
  const predictions = predictCrossings(previous, current, config.thresholds, options.prediction)
  const recovery = findRecovery(previous, current)
  const alerts: TrendAlert[] = [
    ...regressions.map((r) => ({ kind: r.kind, severity: r.severity, metric: r.metric })),
    ...predictions.map((p) => ({ kind: p.kind, severity: p.severity, metric: p.metric })),
    ...(recovery ? [{ kind: recovery.kind, severity: recovery.severity, metric: null }] : [])
  ]
  alerts.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity])
  return {
    historySize: previous.length,
    baseline: computeBaselines(previous, options.regression),
    regressions,
    predictions,
    recovery,
    alerts,
    series: buildSeries([...previous, current].slice(-seriesLength))
  }
}

function jsonSafe(value: unknown): MetricValue {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value
  if (Array.isArray(value)) return value.map(jsonSafe)
  if (typeof value === 'object') {
    const out: { [key: string]: MetricValue } = {}
    for (const [key, inner] of Object.entries(value as object)) {
      if (inner !== undefined) out[key] = jsonSafe(inner)
    }
    return out
  }
  return null
}

/** The trend as RunReport.trend expects it: plain JSON, non-finite numbers as null. */
export function toReportTrend(trend: TrendReport): { [key: string]: MetricValue } {
  return jsonSafe(trend) as { [key: string]: MetricValue }
}
