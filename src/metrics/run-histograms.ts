/**
 * The report's mergeable block, taken from a run recorder at the end of a
 * run: histograms of the recorded samples plus the two counts that the
 * metrics block rounds away, so merged reports recompute every figure.
 */
import type { LatencyHistograms } from './run-metrics.js'
import { histogramOf } from './histogram.js'
import type { RunRecorder } from './run-recorder.js'

/**
 * Histograms of the recorder's latency, connect-time and recovery samples.
 * `throughputWindowMs` is the recorder's sampling time (samplingMs(), ms),
 * the window toRunMetrics' throughput is measured over, so merged reports
 * recompute the same figure; `_runMs` (the run's duration) is not used.
 */
export function runHistograms(recorder: RunRecorder, _runMs?: number): LatencyHistograms {
  return {
    latencyMs: histogramOf(nonNegative(recorder.latency.values())).toJSON(),
    connectTimeMs: histogramOf(nonNegative(recorder.connectTimes.values())).toJSON(),
    recoveryTimeMs: histogramOf(nonNegative(recorder.recoveryTimes.values())).toJSON(),
    throughputWindowMs: recorder.samplingMs(),
    intactReplies: recorder.counters.intactReplies
  }
}

/** Durations from a monotonic clock are >= 0; a stepped test clock must not break the report. */
function nonNegative(values: Float64Array): Float64Array {
  // Copy only when a value needs clamping: 10^6 samples cost a pass, not a copy.
  for (let i = 0; i < values.length; i++) {
    if (values[i] < 0) return values.map((value) => Math.max(0, value))
  }
  return values
}
