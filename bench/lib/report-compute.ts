/**
 * Benchmark (d): the time to turn 10^6 latency samples into the report's
 * numbers as src/run/run.ts does at the end of a run (toRunMetrics,
 * healthScore, and the mergeable histograms of runHistograms), against a
 * baseline of sorting a Float64Array of the same samples once, the least
 * any exact-percentile report must do.
 */
import { healthScore } from '../../src/metrics/health-score.js'
import { summarize } from '../../src/metrics/recorder.js'
import { createRunRecorder } from '../../src/metrics/run-recorder.js'
import { runHistograms } from '../../src/metrics/run-histograms.js'
import { systemClock } from '../../src/metrics/clock.js'
import { median, syntheticLatencies } from './stats.js'

export interface ReportComputeResult {
  samples: number
  repeats: number
  /** Median ms of one Float64Array sort of the samples (baseline). */
  sortMs: number
  /** Median ms of toRunMetrics + healthScore + runHistograms on a recorder holding the samples. */
  reportMs: number
  /** Median ms of toRunMetrics + healthScore alone. */
  metricsMs: number
  /** Median ms of runHistograms alone. */
  histogramsMs: number
  /** Median ms of summarize() alone. */
  summarizeMs: number
  /** ms to record the samples through recordRoundTrip (not part of the report). */
  recordMs: number
  /** The computed p99, so the work cannot be optimised away and a reader can check it. */
  p99: number | null
  score: number
}

/** Times the report computation `repeats` times over `samples` synthetic latencies. */
export function reportCompute(samples: number, repeats: number): ReportComputeResult {
  if (!Number.isInteger(samples) || samples < 1) {
    throw new RangeError(`samples: got ${samples}; expected an integer >= 1`)
  }
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new RangeError(`repeats: got ${repeats}; expected an integer >= 1`)
  }
  const data = syntheticLatencies(samples)
  const recorder = createRunRecorder(systemClock)
  let t = performance.now()
  for (let i = 0; i < samples; i++) {
    recorder.recordProbeSent(64)
    recorder.recordRoundTrip(data[i], true, 64)
  }
  const recordMs = performance.now() - t
  const sorts: number[] = []
  const reports: number[] = []
  const metricsTimes: number[] = []
  const histogramTimes: number[] = []
  const summaries: number[] = []
  let p99: number | null = null
  let score = 0
  for (let r = 0; r < repeats; r++) {
    const copy = data.slice()
    t = performance.now()
    copy.sort()
    sorts.push(performance.now() - t)

    t = performance.now()
    const metrics = recorder.toRunMetrics(60_000)
    score = healthScore({
      successRate: metrics.successRate,
      avgLatencyMs: metrics.latencyMs.avg,
      reconnections: metrics.reconnections,
      errors: metrics.errors
    })
    const metricsDone = performance.now()
    const histograms = runHistograms(recorder, 60_000)
    const done = performance.now()
    metricsTimes.push(metricsDone - t)
    histogramTimes.push(done - metricsDone)
    reports.push(done - t)
    p99 = metrics.latencyMs.p99
    if (histograms.intactReplies !== samples) throw new Error('runHistograms lost samples')

    t = performance.now()
    summarize(data)
    summaries.push(performance.now() - t)
  }
  return {
    samples,
    repeats,
    sortMs: median(sorts),
    reportMs: median(reports),
    metricsMs: median(metricsTimes),
    histogramsMs: median(histogramTimes),
    summarizeMs: median(summaries),
    recordMs,
    p99,
    score
  }
}
