/**
 * What the tool's own event-loop lag (src/metrics/tool-monitor.ts) means for
 * the latency figures, judged in one place: when the lag is large next to
 * the judged latency the run warns, and a latency check that missed its
 * limit by no more than the lag is inconclusive, never charged to the
 * service.
 */
import type { ToolMetrics } from '../metrics/tool-monitor.js'
import type { Check, SuiteResult, ToolLoad } from './model.js'

/**
 * Lag p99 above this (ms) warns whatever was measured: a loop that ran 5 ms
 * late at p99 moves any latency a user would set a limit on.
 */
export const TOOL_LAG_WARN_MS = 5
/** Lag p99 above this share of a judged latency percentile warns too. */
export const TOOL_LAG_WARN_SHARE = 0.1

/** latency-performance's percentile checks: the judged latency (DESIGN.md). */
export const LATENCY_PERCENTILE_CHECK_IDS: readonly string[] = [
  'latency-p50',
  'latency-p95',
  'latency-p99'
]

/**
 * The latency percentiles the run judged or found inconclusive (ms): the
 * values of latency-performance's percentile checks that carry one.
 */
export function judgedLatencyMs(suites: readonly SuiteResult[]): number[] {
  const suite = suites.find((candidate) => candidate.id === 'latency-performance')
  if (!suite) return []
  return suite.checks
    .filter((check) => LATENCY_PERCENTILE_CHECK_IDS.includes(check.id))
    .filter((check) => check.status !== 'not-run' && check.unit === 'ms')
    .map((check) => check.value)
    .filter((value): value is number => typeof value === 'number' && Number.isFinite(value))
}

/**
 * Whether the lag is large next to what was measured: p99 above
 * TOOL_LAG_WARN_MS, or above TOOL_LAG_WARN_SHARE of the highest judged
 * latency percentile (p99). The latency figures then include the tool's own
 * delay. Lag p99 is set against latency p99, not p50: a lag that rare only
 * moves the tail, and next to a 0.1 ms loopback p50 it would warn always.
 */
export function lagAffectsLatency(
  lag: ToolMetrics['eventLoopLagMs'],
  judgedMs: readonly number[]
): boolean {
  const p99 = lag.p99
  if (p99 === null || p99 <= 0) return false
  if (p99 > TOOL_LAG_WARN_MS) return true
  return judgedMs.length > 0 && p99 > TOOL_LAG_WARN_SHARE * Math.max(...judgedMs)
}

/** The report's `metrics.tool` block: the figures and the judgement on them. */
export function toolLoad(figures: ToolMetrics, suites: readonly SuiteResult[]): ToolLoad {
  return {
    ...figures,
    lagAffectsLatency: lagAffectsLatency(figures.eventLoopLagMs, judgedLatencyMs(suites))
  }
}

/**
 * A latency check that missed its `<`/`<=` limit (failed or degraded) by no
 * more than `lagMaxMs`, the most the tool's event loop ran late while the
 * check's samples were taken: any one sample may include that delay, so the
 * miss cannot be told from the tool's own lag. It becomes `skipped` with the
 * value and threshold kept and the reason; any other check is returned as is.
 */
export function inconclusiveWithinLag(check: Check, lagMaxMs: number | null): Check {
  const { value, threshold } = check
  if (lagMaxMs === null || !(lagMaxMs > 0)) return check
  if (check.status !== 'failed' && check.status !== 'degraded') return check
  if (check.unit !== 'ms' || typeof value !== 'number' || threshold === null) return check
  if ((threshold.op !== '<' && threshold.op !== '<=') || typeof threshold.value !== 'number') {
    return check
  }
  const missMs = value - threshold.value
  if (missMs > lagMaxMs) return check
  const { code: _code, ...rest } = check
  return {
    ...rest,
    status: 'skipped',
    message: `inconclusive, not charged to the service: ${round(value)} ms misses ${threshold.op} ${round(threshold.value)} ms by ${round(missMs)} ms, within the ${round(lagMaxMs)} ms the tool itself was delayed (its event loop ran late) while measuring`
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}
