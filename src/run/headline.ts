/**
 * The report's headline figures are one suite's measurement, never a blend:
 * latency percentiles are latency-performance's judged samples (the ones its
 * p50/p95/p99 checks judged) and throughput is what the service answered
 * per wall-clock second of that suite's measuring window. When that suite
 * did not measure, the headline is null with the reason, never another
 * suite's figure. Other suites' round trips are reported per suite
 * (SuiteResult.metrics.probeLatencyMs, runner.ts).
 */
import { histogramOf } from '../metrics/histogram.js'
import { summarize } from '../metrics/recorder.js'
import type {
  HeadlineSamples,
  HeadlineSource,
  LatencyHistograms,
  RunMetrics,
  SuiteResult
} from '../engine/model.js'

/** The suite whose judged samples are the headline. */
export const HEADLINE_SUITE = 'latency-performance'

/**
 * `metrics` and `histograms` with the headline latency, throughput and
 * their source replaced by `samples`; null figures and the reason when
 * `samples` is undefined or empty.
 */
export function withHeadline(
  metrics: RunMetrics,
  histograms: LatencyHistograms,
  samples: HeadlineSamples | undefined,
  suites: readonly SuiteResult[]
): { metrics: RunMetrics; latencyHistogram: LatencyHistograms } {
  const latencyMs = nonNegative(samples?.latencyMs ?? new Float64Array(0))
  const answered = samples?.answered ?? 0
  const windowMs = samples?.windowMs ?? 0
  const headline: HeadlineSource =
    latencyMs.length > 0
      ? { suite: HEADLINE_SUITE, measured: true }
      : { suite: HEADLINE_SUITE, measured: false, reason: notMeasuredReason(suites) }
  return {
    metrics: {
      ...metrics,
      latencyMs: summarize(latencyMs),
      headline,
      throughputMsgsPerSec: headline.measured && windowMs > 0 ? answered / (windowMs / 1000) : null
    },
    latencyHistogram: {
      ...histograms,
      latencyMs: histogramOf(latencyMs).toJSON(),
      throughputWindowMs: headline.measured ? Math.max(0, windowMs) : 0,
      throughputAnswered: headline.measured ? answered : 0
    }
  }
}

/** Why the headline is null, in one line. */
function notMeasuredReason(suites: readonly SuiteResult[]): string {
  const suite = suites.find((s) => s.id === HEADLINE_SUITE)
  if (suite === undefined) {
    return `${HEADLINE_SUITE} was not selected: headline latency and throughput were not measured (each suite's own round trips are in its probeLatencyMs)`
  }
  return `${HEADLINE_SUITE} took no judged sample (suite ${suite.status}): headline latency and throughput were not measured`
}

/** Durations from a monotonic clock are >= 0; a stepped test clock must not break the report. */
function nonNegative(values: Float64Array): Float64Array {
  for (let i = 0; i < values.length; i++) {
    if (!(values[i] >= 0)) return values.map((value) => (value >= 0 ? value : 0))
  }
  return values
}
