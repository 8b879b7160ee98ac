/**
 * One compact line of run history per run: the figures trends and baselines
 * need, nothing a reader of the full JSON report would miss. Records are
 * versioned so a later format can still read old history.
 */
import { z } from 'zod'
import { redactUrl } from '../config/redact.js'
import {
  SUITE_IDS,
  type RunReport,
  type Status,
  type SuiteId,
  type Verdict
} from '../engine/model.js'
import { METRIC_KEYS, type MetricKey } from '../core/tracked-metrics.js'

export const HISTORY_RECORD_VERSION = 1

export { METRIC_KEYS, type MetricKey } from '../core/tracked-metrics.js'

export type HistoryMetrics = Record<MetricKey, number | null>

export interface HistorySuiteRecord {
  id: SuiteId
  status: Status
  /** A few numeric suite metrics (finite numbers only), by the suite's own keys. */
  metrics: Record<string, number>
}

export interface HistoryRecord {
  v: typeof HISTORY_RECORD_VERSION
  /** ISO-8601 start of the run (RunReport.startedAt). */
  time: string
  commit: string | null
  ref: string | null
  runId: string | null
  target: string
  status: Verdict
  /** 0-100; also in `metrics.healthScore` so trends treat it like any metric. */
  healthScore: number
  metrics: HistoryMetrics
  suites: HistorySuiteRecord[]
}

export interface RecordMeta {
  /** Commit SHA the run tested (GITHUB_SHA). */
  commit?: string
  /** Git ref (GITHUB_REF). */
  ref?: string
  /** Workflow run id (GITHUB_RUN_ID), or any id that names the run. */
  runId?: string | number
}

/** How many numeric metrics a suite keeps in history; keeps a record near 1-2 KiB. */
export const MAX_SUITE_METRICS = 8

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

/**
 * Compacts a run report into one history record.
 * @param report the finished run's report
 * @param meta commit, ref and run id of the workflow run (all optional)
 */
export function toHistoryRecord(report: RunReport, meta: RecordMeta = {}): HistoryRecord {
  const m = report.metrics
  const healthScore = finiteOrNull(report.healthScore) ?? 0
  return {
    v: HISTORY_RECORD_VERSION,
    time: report.startedAt,
    commit: meta.commit ?? null,
    ref: meta.ref ?? null,
    runId: meta.runId === undefined ? null : String(meta.runId),
    // Reports already redact, but a record outlives the run (committed to a branch): redact again.
    target: redactUrl(report.target),
    // Never recorded (keepRunHistory skips cancelled runs); failed if a caller did not.
    status: report.status === 'cancelled' ? 'failed' : report.status,
    healthScore,
    metrics: {
      healthScore,
      avgLatencyMs: finiteOrNull(m.latencyMs.avg),
      p50LatencyMs: finiteOrNull(m.latencyMs.p50),
      p95LatencyMs: finiteOrNull(m.latencyMs.p95),
      p99LatencyMs: finiteOrNull(m.latencyMs.p99),
      successRate: finiteOrNull(m.successRate),
      deliveryRate: finiteOrNull(m.deliveryRate),
      reconnections: finiteOrNull(m.reconnections),
      recoveryTimeMaxMs: finiteOrNull(m.recoveryTimeMs.max),
      connectTimeAvgMs: finiteOrNull(m.connectTimeMs.avg),
      throughputMsgsPerSec: finiteOrNull(m.throughputMsgsPerSec),
      errors: finiteOrNull(m.errors)
    },
    suites: report.suites.map((suite) => {
      const metrics: Record<string, number> = {}
      for (const [key, value] of Object.entries(suite.metrics)) {
        if (Object.keys(metrics).length >= MAX_SUITE_METRICS) break
        if (typeof value === 'number' && Number.isFinite(value)) metrics[key] = value
      }
      return { id: suite.id, status: suite.status, metrics }
    })
  }
}

const nullableNumber = z.number().finite().nullable()

/** Validates a parsed history line; unknown extra fields are dropped. */
export const HistoryRecordSchema = z.object({
  v: z.literal(HISTORY_RECORD_VERSION),
  time: z.string(),
  commit: z.string().nullable(),
  ref: z.string().nullable(),
  runId: z.string().nullable(),
  target: z.string(),
  status: z.enum(['passed', 'degraded', 'failed']),
  healthScore: z.number().finite(),
  metrics: z.object(
    Object.fromEntries(METRIC_KEYS.map((key) => [key, nullableNumber.default(null)])) as Record<
      MetricKey,
      z.ZodDefault<typeof nullableNumber>
    >
  ),
  suites: z.array(
    z.object({
      id: z.enum(SUITE_IDS),
      status: z.enum(['passed', 'degraded', 'failed', 'skipped', 'not-run']),
      metrics: z.record(z.string(), z.number().finite())
    })
  )
})

/** The record's value for a metric, or null when it was not measured. */
export function metricOf(record: HistoryRecord, key: MetricKey): number | null {
  return finiteOrNull(record.metrics[key])
}
