/**
 * The result model every layer shares: suites produce checks, the engine
 * assembles suite results, src/report/ renders them. Nothing here measures
 * or formats.
 */
import type { MetricValue } from '../core/metric-value.js'
import type { SuiteId } from '../core/suite-ids.js'
import type { ErrorCode } from '../errors.js'
import type { RunGate } from './gate.js'
import type { LatencyHistograms, RunMetrics } from '../metrics/run-metrics.js'

export { SUITE_IDS, type SuiteId } from '../core/suite-ids.js'
/** The report's metric blocks, computed by src/metrics/. */
export type {
  HeadlineSource,
  HistogramJson,
  LatencyHistograms,
  RunMetrics,
  Summary,
  ToolLoad
} from '../metrics/run-metrics.js'

/**
 * `not-run`: the check or suite was never attempted because the service had
 * stopped accepting connections earlier in the run (the cause is stated once
 * in its message); it counts like `skipped` for a suite's status.
 */
export type Status = 'passed' | 'degraded' | 'failed' | 'skipped' | 'not-run'
export type Verdict = 'passed' | 'degraded' | 'failed'
/**
 * A report's status: the verdict, or `cancelled` when SIGINT/SIGTERM cut the
 * run short (RunReport.cancelled says by what); a cancelled run judged nothing.
 */
export type RunStatus = Verdict | 'cancelled'

/** How a measured value is compared with its limit. */
export type ThresholdOp = '<' | '<=' | '>' | '>=' | '=='

export interface Threshold {
  op: ThresholdOp
  value: number | string | boolean
  /**
   * The expectation in words, when `op value` cannot state it: several
   * accepted values ("one of 1002/1003/1007"), a rule with an absolute floor,
   * or "all" when the expected value was derived from what was measured.
   * Renderers show it instead of `op value`.
   */
  text?: string
}

/** JSON-safe metric values a suite may report. */
export type { MetricValue } from '../core/metric-value.js'

export interface Check {
  /** Stable kebab-case id within its suite, e.g. `connect-time`. */
  id: string
  title: string
  status: Status
  /** What was measured; null when nothing could be measured (skipped, or failed before measuring). */
  value: number | string | boolean | null
  /** Unit of `value` and `threshold.value`: ms, ratio, count, bytes, msgs/s, score, ... ('' for booleans). */
  unit: string
  threshold: Threshold | null
  /** One line: why it has this status. */
  message: string
  /** Set when a failure has a known cause. */
  code?: ErrorCode
  /**
   * `client`: the check exercises ws-health's own reconnecting client against
   * its own relay (backoff policy, giving up, circuit breaker), not the
   * service: reported as client resilience, never more than `degraded`.
   */
  scope?: 'client'
  /**
   * Set on a conformance finding: the service broke an RFC 6455 rule (a
   * SHOULD, or a MUST that costs it no health) but did what the check
   * measures. Such a check is at most `degraded`, never fails its suite or
   * the run, and reports list it apart from service health.
   */
  conformance?: true
}

/**
 * The run's headline samples, returned by the suite whose judged samples
 * the report's headline latency and throughput are (latency-performance).
 * Handed to the engine, never written into the report as they are.
 */
export interface HeadlineSamples {
  /** The judged round trips (ms): answered ones, and each unanswered probe at its timeout. */
  latencyMs: Float64Array
  /** Probes the service answered (intact replies) within the measuring window. */
  answered: number
  /** Wall-clock length of the measuring window (ms): first probe sent to the last one settled. */
  windowMs: number
}

export interface SuiteOutcome {
  checks: Check[]
  metrics: { [key: string]: MetricValue }
  /** Only from latency-performance: the report's headline figures (HeadlineSamples). */
  headline?: HeadlineSamples
}

export interface SuiteResult extends Pick<SuiteOutcome, 'checks' | 'metrics'> {
  id: SuiteId
  title: string
  status: Status
  critical: boolean
  durationMs: number
}

/** The JSON report, schema version 1 (DESIGN.md). Later issues add optional blocks. */
export interface RunReport {
  schemaVersion: 1
  status: RunStatus
  /** Present when SIGINT/SIGTERM interrupted the run: the checks it cut short are not-run. */
  cancelled?: { signal: string; reason: string }
  healthScore: number
  /**
   * Present when the verdict is failed and the formula scored above the health-score
   * threshold: the formula's score, capped so a failed run never reads as healthy.
   */
  healthScoreCappedFrom?: number
  target: string
  startedAt: string
  durationMs: number
  /** Effective config with secrets redacted. */
  config: { [key: string]: MetricValue }
  suites: SuiteResult[]
  metrics: RunMetrics
  /** Present when the chaos relay ran (issue 5). */
  chaos?: { [key: string]: MetricValue }
  /** Present when stress mode ran (issue 6). */
  stress?: { [key: string]: MetricValue }
  /** Present when history exists (issue 8). */
  trend?: { [key: string]: MetricValue }
  /** Present when the run used discovery (issue 9). */
  discovery?: { [key: string]: MetricValue }
  /** Present when the run started the service (server_command): log file, readiness, restarts. */
  service?: { [key: string]: MetricValue }
  /** Mergeable latency histograms (issue 7): lets `ws-health merge` recompute percentiles exactly. */
  latencyHistogram?: LatencyHistograms
  /**
   * What fails the step beyond the verdict (issue 18, src/engine/gate.ts):
   * explicit thresholds missed, regressions under fail_on_regression.
   * Present once the action or CLI judged it.
   */
  gate?: RunGate
}
