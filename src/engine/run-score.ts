/**
 * The run's health score, the same for a single run and a merge: the seed's
 * formula over the run metrics (src/metrics/health-score.ts), without the
 * reconnections self-healing forced on purpose, and capped below the
 * health-score threshold when the verdict is failed, so a report never
 * reads "FAILED, health 100/100".
 */
import { healthScore } from '../metrics/health-score.js'
import type { RunMetrics, SuiteResult, Verdict } from './model.js'

export interface RunScore {
  healthScore: number
  /** The formula's score when the failed verdict capped it; absent otherwise. */
  healthScoreCappedFrom?: number
}

/** Reconnections the self-healing suite caused itself (kills, restart), from its metrics. */
export function forcedReconnections(suites: readonly SuiteResult[]): number {
  const forced = suites.find((s) => s.id === 'self-healing')?.metrics.forcedReconnections
  return typeof forced === 'number' ? forced : 0
}

/**
 * The score for a run with `status`, `metrics` and `suites`; `threshold` is
 * thresholds.healthScore (a score must be above it to count as healthy).
 */
export function runScore(
  status: Verdict,
  metrics: RunMetrics,
  suites: readonly SuiteResult[],
  threshold: number
): RunScore {
  const score = healthScore({
    successRate: metrics.successRate,
    avgLatencyMs: metrics.latencyMs.avg,
    // Reconnections the self-healing suite forced on purpose are not the service's fault.
    reconnections: Math.max(0, metrics.reconnections - forcedReconnections(suites)),
    errors: metrics.errors
  })
  // The formula sees rates and latency, not which check failed: a failed run scores below
  // the threshold (a whole point, so 79 next to a threshold of 80 reads as unhealthy at a glance).
  const cap = Math.max(0, Math.ceil(threshold) - 1)
  if (status !== 'failed' || score <= cap) return { healthScore: score }
  return { healthScore: cap, healthScoreCappedFrom: score }
}
