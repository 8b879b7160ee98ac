/**
 * latency-performance: sequential probes over the suite's budget give the
 * p50/p95/p99 round-trip latency, throughput (msgs/s, bytes/s) and whether
 * latency degrades over the run (first vs last window, regression slope).
 */
import type { Connection } from '../client/types.js'
import { failedToMeasure, measure, skipped } from '../engine/checks.js'
import type { Check, MetricValue } from '../engine/model.js'
import { closeQuietly, connectWithin, runProbes } from '../engine/probes.js'
import { describeError } from '../errors.js'
import { summarize } from '../metrics/recorder.js'
import { degradation } from '../metrics/regression.js'
import type { Suite, SuiteContext } from './types.js'

/** Upper bound on probes, whatever the budget (a fast local echo does ~20k/s). */
export const MAX_LATENCY_PROBES = 1_000_000
/** Fewer samples than this cannot tell a trend from noise: the degradation check is skipped. */
export const MIN_DEGRADATION_SAMPLES = 10
/** Progress is reported every this many probes. */
const PROGRESS_EVERY = 50

const IDS = {
  p50: { id: 'latency-p50', title: 'latency p50' },
  p95: { id: 'latency-p95', title: 'latency p95' },
  p99: { id: 'latency-p99', title: 'latency p99' },
  throughput: { id: 'throughput', title: 'throughput measured' },
  degradation: { id: 'no-degradation', title: 'no latency degradation over time' }
} as const

type Outcome = { checks: Check[]; metrics: { [key: string]: MetricValue } }

async function run(ctx: SuiteContext): Promise<Outcome> {
  const { thresholds } = ctx.config
  const margin = thresholds.degradedMargin
  let connection: Connection
  try {
    connection = await connectWithin(ctx.connect, { label: 'latency_1' }, ctx.signal)
  } catch (error) {
    const checks = Object.values(IDS).map(({ id, title }) => failedToMeasure(id, title, error))
    return { checks, metrics: { connectError: describeError(error) } }
  }
  const startMs = ctx.clock.nowMs()
  const budgetMs = ctx.budgetMs
  let reported = 0
  const result = await runProbes(connection, {
    count: MAX_LATENCY_PROBES,
    timeoutMs: thresholds.messageTimeoutMs,
    stopAtMs: startMs + budgetMs,
    signal: ctx.signal,
    clock: ctx.clock,
    onWave(done) {
      if (done - reported < PROGRESS_EVERY) return
      reported = done
      ctx.progress(Math.min(ctx.clock.nowMs() - startMs, budgetMs), budgetMs, 'latency probes')
    }
  })
  const elapsedMs = ctx.clock.nowMs() - startMs
  await closeQuietly(connection)

  const summary = summarize(result.rttsMs)
  const msgsPerSec = elapsedMs > 0 ? result.replies / (elapsedMs / 1000) : null
  const bytesPerSec = elapsedMs > 0 ? result.bytes / (elapsedMs / 1000) : null
  const trend = degradation(result.atMs, result.rttsMs)
  const checks: Check[] = []
  const noSamples = (id: string, title: string): Check =>
    failedToMeasure(id, title, result.firstError ?? new Error('no reply was received'))
  const lost = `${result.sent - result.replies} of ${result.sent} probes got no reply`
  for (const [key, limit] of [
    ['p50', thresholds.p50LatencyMs],
    ['p95', thresholds.p95LatencyMs],
    ['p99', thresholds.p99LatencyMs]
  ] as const) {
    const { id, title } = IDS[key]
    checks.push(
      summary.count === 0
        ? noSamples(id, title)
        : measure({
            id,
            title,
            value: summary[key],
            unit: 'ms',
            op: '<',
            limit,
            margin,
            detail: `${summary.count} samples`
          })
    )
  }
  checks.push(
    result.replies === 0
      ? noSamples(IDS.throughput.id, IDS.throughput.title)
      : measure({
          ...IDS.throughput,
          value: msgsPerSec,
          unit: 'msgs/s',
          op: '>',
          limit: 0,
          detail: `${result.replies} replies in ${Math.round(elapsedMs)} ms; ${lost}`
        })
  )
  if (result.replies < MIN_DEGRADATION_SAMPLES || trend.relativeChange === null) {
    checks.push(
      skipped(
        IDS.degradation.id,
        IDS.degradation.title,
        `${result.replies} samples; at least ${MIN_DEGRADATION_SAMPLES} with a non-zero first window are needed to judge a trend`
      )
    )
  } else {
    checks.push(
      measure({
        ...IDS.degradation,
        value: trend.relativeChange,
        unit: 'ratio',
        op: '<=',
        limit: thresholds.maxDegradation,
        margin,
        detail: `median ${round(trend.firstWindowMedian)} ms in the first window, ${round(trend.lastWindowMedian)} ms in the last`
      })
    )
  }
  return {
    checks,
    metrics: {
      latencyMs: { ...summary },
      throughput: { msgsPerSec, bytesPerSec, replies: result.replies, elapsedMs },
      probes: {
        sent: result.sent,
        replies: result.replies,
        timeouts: result.timeouts,
        failures: result.failures
      },
      degradation: {
        relativeChange: trend.relativeChange,
        slopeMsPerSec: trend.slopeMsPerSec,
        r2: trend.r2,
        firstWindowMedianMs: trend.firstWindowMedian,
        lastWindowMedianMs: trend.lastWindowMedian
      }
    }
  }
}

/** Rounds for the one-line message only. */
function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100
}

export const latencyPerformanceSuite: Suite = {
  id: 'latency-performance',
  title: 'Latency and performance',
  durationWeight: 2,
  run
}
