/**
 * latency-performance: probes over the suite's budget give the p50/p95/p99
 * round-trip latency (unanswered probes counted at their timeout). By
 * default they are sent open loop, on a fixed schedule, and each is measured
 * from its intended send time; `latency_mode: closed` sends them one at a
 * time (src/suites/latency-measure.ts says how each works). Also judged:
 * the share of probes answered, throughput (msgs/s, bytes/s, a metric) and
 * whether latency degrades over the run (first vs last window, regression
 * slope, with an absolute floor).
 *
 * On a lossy path (SuiteContext.path) a dropped connection is reopened and
 * a lost probe is resent, but no more resends are excused than the path
 * lost or dropped messages during the suite. Each round trip is judged on
 * the service's own time: what the path held its request and reply for is
 * taken out (its ledger). A path that keeps no such ledger reports and
 * skips a percentile its added delays can move
 * (ServicePath.addedDelayAllowanceMs) instead.
 */
import { failedToMeasure, measure, skipped } from '../engine/checks.js'
import type { Check, MetricValue, SuiteOutcome } from '../engine/model.js'
import type { Lane } from '../engine/service-path.js'
import { HealthError, describeError, type ErrorCode } from '../errors.js'
import type { Thresholds } from '../config/schema.js'
import { createSampleRecorder, type summarize } from '../metrics/recorder.js'
import { degradation, type Degradation } from '../metrics/regression.js'
import { startToolMonitor, type ToolMetrics } from '../metrics/tool-monitor.js'
import { inconclusiveWithinLag } from '../engine/tool-lag.js'
import { corruptedDetail } from './integrity-checks.js'
import {
  measureClosedLoop,
  measureOpenLoop,
  openLatencyLanes,
  type LatencyMeasurement
} from './latency-measure.js'
import type { Suite, SuiteContext } from '../engine/suite-types.js'
import { SUITE_CATALOG } from './catalog.js'

export { MAX_LATENCY_PROBES } from './latency-measure.js'
/** Fewer samples than this cannot tell a trend from noise: the degradation check is skipped. */
export const MIN_DEGRADATION_SAMPLES = 10
/**
 * Latency must grow by at least this much (ms, last-window median minus
 * first) before a relative increase counts as degradation. On loopback a
 * reply takes tens of microseconds, so GC pauses and scheduler noise alone
 * can double it; a user cannot feel, and a service cannot fix, a change of
 * a fraction of a millisecond. 5 ms is above that noise and well below any
 * latency limit a user would set.
 */
export const MIN_DEGRADATION_MS = 5

const IDS = {
  p50: { id: 'latency-p50', title: 'latency p50' },
  p95: { id: 'latency-p95', title: 'latency p95' },
  p99: { id: 'latency-p99', title: 'latency p99' },
  success: { id: 'probe-success-rate', title: 'sampled probes answered (success rate)' },
  degradation: { id: 'no-degradation', title: 'no latency degradation over time' }
} as const

type Outcome = SuiteOutcome
type ToolLagMs = ToolMetrics['eventLoopLagMs']

/**
 * Judges a latency trend: fails only when the last window's median exceeds
 * the first's both by more than `maxDegradation` (relative) and by at least
 * `floorMs` (absolute; MIN_DEGRADATION_MS). Skipped with the reason when there are too
 * few samples or no non-zero first window.
 */
export function degradationCheck(
  trend: Degradation,
  samples: number,
  thresholds: Pick<Thresholds, 'maxDegradation' | 'degradedMargin'>,
  floorMs: number = MIN_DEGRADATION_MS
): Check {
  const { id, title } = IDS.degradation
  if (
    samples < MIN_DEGRADATION_SAMPLES ||
    trend.relativeChange === null ||
    trend.firstWindowMedian === null ||
    trend.lastWindowMedian === null
  ) {
    return skipped(
      id,
      title,
      `${samples} samples; at least ${MIN_DEGRADATION_SAMPLES} with a non-zero first window are needed to judge a trend`
    )
  }
  const increaseMs = trend.lastWindowMedian - trend.firstWindowMedian
  const windows = `median ${round(trend.firstWindowMedian)} ms in the first window, ${round(trend.lastWindowMedian)} ms in the last`
  const check = measure({
    id,
    title,
    value: trend.relativeChange,
    unit: 'ratio',
    op: '<=',
    limit: thresholds.maxDegradation,
    margin: thresholds.degradedMargin,
    detail: windows
  })
  if (check.status === 'passed' || increaseMs >= floorMs) return check
  // Relative growth below the absolute floor is noise: the value stays as measured.
  const { code: _ignored, ...rest } = check
  return {
    ...rest,
    status: 'passed',
    message: `${windows}; the increase of ${round(increaseMs)} ms is below the ${round(floorMs)} ms floor that counts as degradation`
  }
}

async function run(ctx: SuiteContext): Promise<Outcome> {
  // The tool's own lag while probing: a percentile that misses by less is inconclusive.
  const toolMonitor = startToolMonitor({ clock: ctx.clock })
  let measured: LatencyMeasurement | Outcome
  try {
    measured = await measureLatency(ctx)
  } finally {
    toolMonitor.stop()
  }
  if (!('mode' in measured)) return measured
  return judge(ctx, measured, toolMonitor.stop().eventLoopLagMs)
}

/**
 * Measures in the configured mode. A lossy path measures closed loop: its
 * ledger takes the path's holds out of sequential round trips only, and a
 * lost probe is resent on a lane that waits for it.
 */
async function measureLatency(ctx: SuiteContext): Promise<LatencyMeasurement | Outcome> {
  const open = ctx.config.latencyMode === 'open' && !ctx.path.lossy
  let lanes: Lane[]
  try {
    lanes = await openLatencyLanes(ctx, open ? ctx.config.latencyConnections : 1)
  } catch (error) {
    const checks = Object.values(IDS).map(({ id, title }) => failedToMeasure(id, title, error))
    return { checks, metrics: { connectError: describeError(error) } }
  }
  if (open) return measureOpenLoop(ctx, lanes)
  const measured = await measureClosedLoop(ctx, lanes[0])
  return ctx.config.latencyMode === 'open'
    ? {
        ...measured,
        modeReason:
          'the path to the service drops and holds messages (the fault relay): closed loop, because its hold times are taken out of sequential round trips only'
      }
    : measured
}

function judge(ctx: SuiteContext, m: LatencyMeasurement, toolLagMs: ToolLagMs): Outcome {
  const { thresholds } = ctx.config
  const timeoutMs = thresholds.messageTimeoutMs
  const answered = m.judged - m.lost
  // A probe with no reply counts as a sample at its timeout (the least it
  // would have taken), so loss shows in the percentiles instead of vanishing.
  const samples = createSampleRecorder({
    initialCapacity: Math.max(1, m.latenciesMs.length + m.lost)
  })
  for (let i = 0; i < m.latenciesMs.length; i++) samples.add(m.latenciesMs[i])
  for (let i = 0; i < m.lost; i++) samples.add(timeoutMs)
  const summary = samples.summary()
  const { replySummary, elapsedMs } = m
  const msgsPerSec = elapsedMs > 0 ? m.replies / (elapsedMs / 1000) : null
  const bytesPerSec = elapsedMs > 0 ? m.bytes / (elapsedMs / 1000) : null
  const trend = degradation(m.timesMs, m.trend.latenciesMs)
  const checks: Check[] = []
  const noSamples = (id: string, title: string): Check =>
    failedToMeasure(
      id,
      title,
      m.firstError ?? new HealthError('WSH_ERR_CONNECTION_LOST', 'no probe was sent')
    )
  const held = m.holdsTakenOut
  const heldText = held
    ? `; the service's own time: what the relay held each request and reply for is taken out (under faults ${round(replySummary.p50)}/${round(replySummary.p95)}/${round(replySummary.p99)} ms at p50/p95/p99)`
    : ''
  const allowances = percentileChecks(checks, {
    thresholds,
    summary,
    answeredAny: m.replies > 0,
    // What the path's delays alone may add at a percentile, unless its holds were taken out.
    addedDelayAllowanceMs: (q, n) => (held ? 0 : ctx.path.addedDelayAllowanceMs(q, n)),
    lost: m.lost,
    lossCode: m.lossCode,
    toolLagMaxMs: toolLagMs.max,
    detail: `${m.detail}${corruptedDetail(m.corrupted)}${heldText}`,
    noSamples
  })
  // thresholds.successRate is the run-wide floor on the share of exchanges that succeed.
  checks.push(
    m.judged === 0
      ? noSamples(IDS.success.id, IDS.success.title)
      : measure({
          ...IDS.success,
          value: answered / m.judged,
          unit: 'ratio',
          op: '>=',
          limit: thresholds.successRate,
          margin: thresholds.degradedMargin,
          code: m.lossCode,
          detail: `${answered} of ${m.judged} answered; ${m.detail}${corruptedDetail(m.corrupted)}; throughput ${round(msgsPerSec)} msgs/s over ${Math.round(elapsedMs)} ms`
        })
  )
  // With delays the path adds (and does not take out), a window's median moves with them, not the service.
  const addedDelays = !held && ctx.path.maxAddedDelayMs > 0
  checks.push(
    addedDelays
      ? degradationUnderDelays()
      : withNote(degradationCheck(trend, m.replies, thresholds), m.trend.note)
  )
  return {
    checks,
    // The report's headline latency and throughput are these judged samples (headline.ts).
    headline: { latencyMs: samples.values(), answered: m.replies, windowMs: elapsedMs },
    metrics: {
      latencyMode: m.mode,
      ...(m.modeReason === undefined ? {} : { latencyModeReason: m.modeReason }),
      latencyMs: { ...summary },
      replyLatencyMs: { ...replySummary },
      throughput: { msgsPerSec, bytesPerSec, replies: m.replies, elapsedMs },
      probes: m.probes,
      ...(m.openLoop ? { openLoop: m.openLoop } : {}),
      // Named for the relay that adds the delays; on a direct path there is none.
      ...(ctx.path.lossy ? { chaosAllowanceMs: allowances } : {}),
      toolLagMs,
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

interface PercentileInput {
  thresholds: SuiteContext['config']['thresholds']
  /** The judged samples: answered round trips, plus each lost probe at the timeout. */
  summary: ReturnType<typeof summarize>
  answeredAny: boolean
  /** What the path's delays alone may add at quantile q over n samples (ms; 0 when nothing to allow for). */
  addedDelayAllowanceMs(q: number, n: number): number
  lost: number
  /** The code a miss is charged with when probes were lost. */
  lossCode: ErrorCode
  /** The most the tool's event loop ran late while probing (ms): misses within it are inconclusive. */
  toolLagMaxMs: number | null
  /** Appended to each check's message: losses and how the path's holds were accounted for. */
  detail: string
  noSamples(id: string, title: string): Check
}

/**
 * The p50, p95 and p99 checks, pushed onto `checks`; returns what the
 * path's delays alone may add at each percentile (ms).
 */
function percentileChecks(checks: Check[], o: PercentileInput): { [key: string]: MetricValue } {
  const { thresholds, summary } = o
  const allowances: { [key: string]: MetricValue } = {}
  for (const [key, q, threshold] of [
    ['p50', 0.5, thresholds.p50LatencyMs],
    ['p95', 0.95, thresholds.p95LatencyMs],
    ['p99', 0.99, thresholds.p99LatencyMs]
  ] as const) {
    const { id, title } = IDS[key]
    if (summary.count === 0 || !o.answeredAny) {
      checks.push(o.noSamples(id, title))
      continue
    }
    // What the path's delays alone may add at this percentile, for this many samples. When
    // that is not 0, the percentile cannot tell a slow service from the delays the relay
    // added: it is reported, not judged (never a pass it did not measure).
    const allowanceMs = Math.round(o.addedDelayAllowanceMs(q, summary.count))
    allowances[key] = allowanceMs
    if (allowanceMs > 0) {
      checks.push({
        ...skipped(
          id,
          title,
          `${round(summary[key])} ms through the fault relay, not judged: with its delay faults on, ${summary.count} samples cannot separate the service's ${key} from the up to ${allowanceMs} ms the relay adds at ${key} (set chaos.network_delay and chaos.slow_response probability 0 to judge latency under the other faults)`
        ),
        value: summary[key],
        unit: 'ms'
      })
      continue
    }
    const check = measure({
      id,
      title,
      value: summary[key],
      unit: 'ms',
      op: '<',
      limit: threshold,
      margin: thresholds.degradedMargin,
      ...(o.lost > 0 ? { code: o.lossCode } : {}),
      detail: `${summary.count} samples; ${o.detail}`
    })
    checks.push(inconclusiveWithinLag(check, o.toolLagMaxMs))
  }
  return allowances
}

/** `check` with `note` appended to its message (unchanged without one). */
function withNote(check: Check, note: string | undefined): Check {
  return note === undefined ? check : { ...check, message: `${check.message}; ${note}` }
}

/** The degradation check while the path adds delays it does not take out: not judged, with the reason. */
function degradationUnderDelays(): Check {
  return skipped(
    IDS.degradation.id,
    IDS.degradation.title,
    `relay delay faults on: the first and last windows' medians follow which probes the relay delayed, not the service`
  )
}

/** Rounds for the one-line message only. */
function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100
}

export const latencyPerformanceSuite: Suite = { ...SUITE_CATALOG['latency-performance'], run }
