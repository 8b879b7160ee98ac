/**
 * Gating beyond the verdict, as k6 thresholds and github-action-benchmark's
 * fail-on-alert do it: a threshold the user set explicitly that the service
 * missed fails the step even when its suite is non-critical (the verdict
 * alone would only be degraded), and with fail_on_regression a regression
 * against the history baseline fails it too. Judged from the report alone
 * (its config records which thresholds were explicit), so a merged report
 * is gated the same way as a single run.
 */
import type { Config, ThresholdKey } from '../config/schema.js'
import type { Regression } from '../core/tracked-metrics.js'
import { meetsThreshold } from './checks.js'
import type { Check, RunReport, SuiteId, ThresholdOp } from './model.js'

/** A check the service failed against a threshold the user set. */
export interface ThresholdMiss {
  suite: SuiteId
  /** Check id within its suite. */
  check: string
  title: string
  /** The `thresholds.*` setting the user set. */
  threshold: ThresholdKey
  value: number
  op: ThresholdOp
  limit: number
  unit: string
}

/** What fails the step beyond the verdict (RunReport.gate). */
export interface RunGate {
  /** Explicit thresholds missed: each fails the step unless fail_on is `never`. */
  thresholdMisses: ThresholdMiss[]
  /** Regressions against the history baseline; only filled when fail_on_regression is on. */
  regressions: Regression[]
}

/**
 * The thresholds each check is judged by, per suite and check id. A check
 * listed with several keys (a success rate floored by the run-wide
 * success_rate) is governed by whichever of them its limit equals.
 */
export const CHECK_THRESHOLDS: Readonly<Record<SuiteId, Readonly<Record<string, ThresholdKey[]>>>> =
  {
    'connection-lifecycle': { 'connect-time': ['connectTimeMs'] },
    'self-healing': {
      'reconnect-time': ['reconnectTimeMs'],
      'restart-recovery': ['reconnectTimeMs']
    },
    'message-delivery': { 'delivery-rate': ['deliveryRate'] },
    'heartbeat-monitoring': {
      'heartbeat-p99': ['heartbeatP99Ms'],
      'heartbeat-success-rate': ['heartbeatSuccessRate', 'successRate'],
      'app-heartbeat': ['heartbeatSuccessRate', 'successRate'],
      'health-score': ['healthScore']
    },
    'concurrent-connections': {
      'fairness-throughput': ['minFairness'],
      'fairness-latency': ['minFairness']
    },
    'latency-performance': {
      'latency-p50': ['p50LatencyMs'],
      'latency-p95': ['p95LatencyMs'],
      'latency-p99': ['p99LatencyMs'],
      'probe-success-rate': ['successRate'],
      'no-degradation': ['maxDegradation']
    }
  }

function explicitIn(config: RunReport['config']): {
  keys: ReadonlySet<string>
  values: Record<string, unknown>
} {
  const keys = Array.isArray(config.explicitThresholds) ? config.explicitThresholds : []
  const thresholds = config.thresholds
  const values =
    typeof thresholds === 'object' && thresholds !== null && !Array.isArray(thresholds)
      ? thresholds
      : {}
  return { keys: new Set(keys.filter((key) => typeof key === 'string')), values }
}

/** The explicit threshold a missed check was judged by, or undefined. */
function missedExplicit(
  suite: SuiteId,
  check: Check,
  explicit: ReturnType<typeof explicitIn>
): ThresholdKey | undefined {
  if (check.status !== 'failed' && check.status !== 'degraded') return undefined
  // Conformance nits and ws-health's own client policy are not the user's service thresholds.
  if (check.conformance === true || check.scope === 'client') return undefined
  // Only a measured miss: a check that could not measure already says why, and k6 too
  // leaves a threshold without data uncrossed.
  if (meetsThreshold(check) !== false) return undefined
  const candidates = CHECK_THRESHOLDS[suite]?.[check.id] ?? []
  return candidates.find(
    (key) => explicit.keys.has(key) && explicit.values[key] === check.threshold?.value
  )
}

/** Regressions recorded in the report's trend block (RunReport.trend). */
function reportRegressions(report: RunReport): Regression[] {
  const regressions = report.trend?.regressions
  return Array.isArray(regressions) ? (regressions as unknown as Regression[]) : []
}

/**
 * Judges the gate of a finished (or merged) report.
 * @param options.failOnRegression fail on any regression in report.trend
 */
export function judgeGate(report: RunReport, options: Pick<Config, 'failOnRegression'>): RunGate {
  const explicit = explicitIn(report.config)
  const thresholdMisses: ThresholdMiss[] = []
  for (const suite of report.suites) {
    for (const check of suite.checks) {
      const key = missedExplicit(suite.id, check, explicit)
      if (key === undefined || check.threshold === null) continue
      thresholdMisses.push({
        suite: suite.id,
        check: check.id,
        title: check.title,
        threshold: key,
        value: check.value as number,
        op: check.threshold.op,
        limit: check.threshold.value as number,
        unit: check.unit
      })
    }
  }
  return {
    thresholdMisses,
    regressions: options.failOnRegression ? reportRegressions(report) : []
  }
}

/** Judges the gate and records it on the report (RunReport.gate), for every sink to show. */
export function applyGate(report: RunReport, options: Pick<Config, 'failOnRegression'>): RunGate {
  const gate = judgeGate(report, options)
  report.gate = gate
  return gate
}
