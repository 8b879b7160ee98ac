/**
 * The result model every layer shares: suites produce checks, the engine
 * assembles suite results, src/report/ renders them. Nothing here measures
 * or formats.
 */
import type { ErrorCode } from '../errors.js'

export const SUITE_IDS = [
  'connection-lifecycle',
  'self-healing',
  'message-delivery',
  'heartbeat-monitoring',
  'concurrent-connections',
  'latency-performance'
] as const

export type SuiteId = (typeof SUITE_IDS)[number]

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
export type MetricValue =
  number | string | boolean | null | MetricValue[] | { [key: string]: MetricValue }

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

export interface SuiteOutcome {
  checks: Check[]
  metrics: { [key: string]: MetricValue }
}

export interface SuiteResult extends SuiteOutcome {
  id: SuiteId
  title: string
  status: Status
  critical: boolean
  durationMs: number
}

export interface Summary {
  avg: number | null
  p50: number | null
  p95: number | null
  p99: number | null
  max: number | null
  count: number
}

/** Run-wide metrics, the `metrics` block of the JSON report (DESIGN.md contract). */
export interface RunMetrics {
  latencyMs: Summary
  /** Share of probes (messages and pings) that succeeded, 0-1; null when none was sent. */
  successRate: number | null
  /**
   * Share of sent probe messages whose reply arrived intact, 0-1 (echo: byte
   * for byte; json: a reply matching the reply rule); null when none was sent.
   */
  deliveryRate: number | null
  messagesSent: number
  messagesReceived: number
  messagesLost: number
  reconnections: number
  recoveryTimeMs: { avg: number | null; max: number | null }
  connectTimeMs: { avg: number | null; p95: number | null }
  throughputMsgsPerSec: number | null
  heartbeat: { sent: number; received: number; successRate: number | null }
  errors: number
  /** Replies that did not match their probe byte for byte (never counted as answered). */
  corrupted: number
  /** Second replies to probes that were already answered. */
  duplicates: number
  /** Replies delivered to the wrong connection (another connection's nonce). */
  crossTalk: number
  /** Messages that answered no probe (banners, broadcasts, late replies): counted and ignored. */
  unsolicited: number
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
}

/** A log-bucketed histogram as stored in the report (src/metrics/histogram.ts). */
export type HistogramJson = {
  /** Every value read back is within this share of a recorded value (0.01 = 1 %). */
  relativeError: number
  count: number
  /** Exact sum of the values (ms). */
  sum: number
  min: number | null
  max: number | null
  /** Values of (almost) 0 ms. */
  zeroCount: number
  /** Non-empty buckets as [index, count]: bucket i holds (gamma^(i-1), gamma^i] ms. */
  buckets: [number, number][]
}

/** The report's `latencyHistogram` block: what merging needs beyond the metrics block. */
export type LatencyHistograms = {
  /** Probe round-trip times (metrics.latencyMs). */
  latencyMs: HistogramJson
  /** Successful connect times (metrics.connectTimeMs). */
  connectTimeMs: HistogramJson
  /** Times from losing a connection to having it back (metrics.recoveryTimeMs). */
  recoveryTimeMs: HistogramJson
  /** The sampling time throughput was measured over (ms). */
  throughputWindowMs: number
  /** Probe replies that carried what the probe expected (deliveryRate's numerator). */
  intactReplies: number
}
