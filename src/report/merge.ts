/**
 * Merge mode: several jobs' reports (a per-suite matrix, or shards of one
 * suite's connections) become one report. Counts are summed, rates are
 * recomputed from the summed counts, and percentiles come from the merged
 * latency histograms (src/metrics/histogram.ts), never from averaging
 * percentiles. Status and health score use the engine's own functions.
 *
 * Rules for a suite that appears in several reports (shards): its checks are
 * combined by id keeping the worst one, its status follows from those checks
 * (suiteStatus), it is critical if any shard says so, its duration is the
 * longest shard's (shards run side by side), and count-like numeric suite
 * metrics are summed (the rest are the first shard's; each shard's own block
 * is kept under `shards`).
 *
 * The merged report is judged by finalize() (src/engine/finalize.ts), as a
 * single run is. Merge bookkeeping, the only difference between a report
 * merged alone and itself: `config.mergedReports` (how many reports were
 * merged), `config.suites` (the merged suites' ids) and no `config.shard`.
 *
 * Throughput: jobs whose runs overlap (startedAt..startedAt+durationMs) ran
 * side by side, so their per-report throughputs are summed, not averaged over
 * a window twice as long; jobs that ran one after another give their replies
 * over their summed sampling windows (see mergedWindowMs).
 */
import {
  SUITE_IDS,
  type Check,
  type HeadlineSource,
  type LatencyHistograms,
  type MetricValue,
  type RunMetrics,
  type RunReport,
  type Status,
  type Summary,
  type SuiteResult
} from '../engine/model.js'
import { finalize, type UnjudgedReport } from '../engine/finalize.js'
import { suiteStatus } from '../engine/verdict.js'
import { HealthError } from '../errors.js'
import { lagAffectsLatency, judgedLatencyMs } from '../engine/tool-lag.js'
import { createHistogram, histogramFromJson, type Histogram } from '../metrics/histogram.js'

export interface MergeOptions {
  /** Names of the reports (file paths) for error messages, same order as `reports`. */
  names?: readonly string[]
}

/**
 * Worse statuses rank higher; a measured result outranks a skipped or
 * not-run one (a shard whose service went down still carries its own failed
 * service-down check).
 */
const RANK: Record<Status, number> = { skipped: 0, 'not-run': 1, passed: 2, degraded: 3, failed: 4 }

/** Suite-metric keys whose integer values are counts, so shards add up. */
const COUNT_KEY =
  /^(target|opened|attempted|count|sent|received|lost|drops?|dropped|errors?|failures|messages\w*|connections|reconnections|served|total\w*)$/i

/**
 * Merges reports into one.
 * @throws HealthError WSH_ERR_REPORT when there are none, or they differ in
 *   schemaVersion or target, or one is given twice (same startedAt, target
 *   and suites), or one lacks the `latencyHistogram` block.
 */
export function mergeReports(reports: readonly RunReport[], options: MergeOptions = {}): RunReport {
  const name = (index: number): string =>
    options.names?.[index] ?? `report ${index + 1} of ${reports.length}`
  const first = reports[0]
  if (first === undefined) throw new HealthError('WSH_ERR_REPORT', 'no reports to merge')
  reports.forEach((report, index) => {
    if (report.schemaVersion !== first.schemaVersion) {
      throw new HealthError(
        'WSH_ERR_REPORT',
        `${name(index)}: schemaVersion ${String(report.schemaVersion)} differs from ${name(0)}'s ${String(first.schemaVersion)}; merge reports written by the same ws-health version`
      )
    }
    if (report.target !== first.target) {
      throw new HealthError(
        'WSH_ERR_REPORT',
        `${name(index)}: target ${report.target} differs from ${name(0)}'s ${first.target}; only reports of one service merge into one verdict`
      )
    }
    if (report.latencyHistogram === undefined) {
      throw new HealthError(
        'WSH_ERR_REPORT',
        `${name(index)}: has no latencyHistogram block (written by an older ws-health?); percentiles cannot be merged without it, so re-run that job with this version`
      )
    }
    for (const key of ['latencyMs', 'connectTimeMs', 'recoveryTimeMs'] as const) {
      try {
        histogramFromJson(report.latencyHistogram[key])
      } catch (error) {
        throw new HealthError(
          'WSH_ERR_REPORT',
          `${name(index)}: latencyHistogram.${key}: ${error instanceof Error ? error.message : String(error)}`
        )
      }
    }
    const twin = reports.findIndex((other, earlier) => earlier < index && sameRun(other, report))
    if (twin >= 0) {
      throw new HealthError(
        'WSH_ERR_REPORT',
        `${name(index)} is the same report as ${name(twin)} (same startedAt ${report.startedAt}, target and suites); merging it twice would count every message and heartbeat twice, so pass each job's report once`
      )
    }
  })

  // One report merges to itself: its figures stay exactly as measured (re-reading them
  // from its histograms would only add the buckets' error) and its suites keep their order.
  const alone = reports.length === 1 ? first : undefined
  const suites = alone ? alone.suites : mergeSuites(reports)
  const { metrics, latencyHistogram } = alone
    ? { metrics: alone.metrics, latencyHistogram: alone.latencyHistogram as LatencyHistograms }
    : mergeMetrics(reports)
  // A lone report already carries its own tool figures.
  const tool = alone ? undefined : mergeToolLoad(reports, suites)
  if (tool) metrics.tool = tool
  const starts = reports.map((r) => Date.parse(r.startedAt)).filter(Number.isFinite)
  const ends = reports.map((r) => Date.parse(r.startedAt) + r.durationMs).filter(Number.isFinite)
  const startMs = starts.length > 0 ? Math.min(...starts) : Number.NaN
  const merged: UnjudgedReport = {
    schemaVersion: first.schemaVersion,
    target: first.target,
    startedAt:
      Number.isFinite(startMs) && !alone ? new Date(startMs).toISOString() : first.startedAt,
    // Date arithmetic would round a lone report's sub-millisecond duration.
    durationMs:
      Number.isFinite(startMs) && !alone
        ? Math.max(...ends) - startMs
        : Math.max(...reports.map((r) => r.durationMs)),
    config: mergedConfig(first.config, suites, reports.length),
    suites,
    metrics,
    latencyHistogram
  }
  // Optional blocks (chaos, stress, trend, discovery, service) come from the first report that has them.
  for (const key of ['chaos', 'stress', 'trend', 'discovery', 'service'] as const) {
    const block = reports.find((r) => r[key] !== undefined)?.[key]
    if (block !== undefined) merged[key] = block
  }
  // Verdict, stress downgrade and score: the same finalize() a single run ends with.
  return finalize(merged)
}

/**
 * The tool's own load across jobs: each figure is the worst job's (lag p50,
 * p99 and max, CPU %). Jobs ran in separate processes, often on separate
 * machines, so their delays do not add up and a p99 over all their samples
 * would hide one slow runner behind several idle ones: the merged p99 is the
 * highest per-job p99. The warning is judged again on the merged suites.
 * Undefined when no report carries the block (older versions).
 */
function mergeToolLoad(
  reports: readonly RunReport[],
  suites: readonly SuiteResult[]
): RunMetrics['tool'] {
  const tools = reports.flatMap((r) => (r.metrics.tool ? [r.metrics.tool] : []))
  if (tools.length === 0) return undefined
  const worst = (values: (number | null)[]): number | null => {
    const known = values.filter((value): value is number => value !== null)
    return known.length === 0 ? null : Math.max(...known)
  }
  const eventLoopLagMs = {
    p50: worst(tools.map((t) => t.eventLoopLagMs.p50)),
    p99: worst(tools.map((t) => t.eventLoopLagMs.p99)),
    max: worst(tools.map((t) => t.eventLoopLagMs.max))
  }
  return {
    eventLoopLagMs,
    cpuPercent: worst(tools.map((t) => t.cpuPercent)),
    lagAffectsLatency: lagAffectsLatency(eventLoopLagMs, judgedLatencyMs(suites))
  }
}

/** One run's report read twice (the same file, or a copy): same start, target and suites. */
function sameRun(a: RunReport, b: RunReport): boolean {
  return (
    a.startedAt === b.startedAt &&
    a.target === b.target &&
    JSON.stringify(a.suites) === JSON.stringify(b.suites)
  )
}

function mergedConfig(
  config: RunReport['config'],
  suites: readonly SuiteResult[],
  count: number
): RunReport['config'] {
  // The shard a job ran is not a property of the merged run.
  const { shard: _shard, ...rest } = config
  void _shard
  return { ...rest, suites: suites.map((s) => s.id), mergedReports: count }
}

function mergeSuites(reports: readonly RunReport[]): SuiteResult[] {
  const groups = new Map<string, SuiteResult[]>()
  for (const report of reports) {
    for (const suite of report.suites)
      groups.set(suite.id, [...(groups.get(suite.id) ?? []), suite])
  }
  const order = (id: string): number => {
    const index = (SUITE_IDS as readonly string[]).indexOf(id)
    return index < 0 ? SUITE_IDS.length : index
  }
  return [...groups.values()]
    .sort((a, b) => order((a[0] as SuiteResult).id) - order((b[0] as SuiteResult).id))
    .map(mergeSuite)
}

function mergeSuite(shards: SuiteResult[]): SuiteResult {
  const first = shards[0] as SuiteResult
  if (shards.length === 1) return first
  const checks = new Map<string, Check>()
  for (const suite of shards) {
    for (const check of suite.checks) {
      const seen = checks.get(check.id)
      if (seen === undefined || RANK[check.status] > RANK[seen.status]) checks.set(check.id, check)
    }
  }
  const merged = [...checks.values()].map((check) => ({
    ...check,
    message: `${check.message} (worst of ${shards.length} shards)`
  }))
  const status = suiteStatus(merged)
  return {
    id: first.id,
    title: first.title,
    // A suite every shard skipped stays skipped; nothing is upgraded to a pass.
    status,
    critical: shards.some((s) => s.critical),
    durationMs: Math.max(...shards.map((s) => s.durationMs)),
    checks: merged,
    metrics: {
      ...sumCounts(shards.map((s) => s.metrics)),
      shards: shards.map((s) => s.metrics)
    }
  }
}

/** First block's shape, with count-like integers summed across blocks. */
function sumCounts(blocks: { [key: string]: MetricValue }[]): { [key: string]: MetricValue } {
  const out: { [key: string]: MetricValue } = { ...(blocks[0] ?? {}) }
  for (const [key, value] of Object.entries(out)) {
    if (typeof value === 'number' && Number.isInteger(value) && COUNT_KEY.test(key)) {
      const values = blocks.map((b) => b[key])
      if (values.every((v) => typeof v === 'number')) {
        out[key] = (values as number[]).reduce((a, b) => a + b, 0)
      }
    } else if (isObject(value)) {
      const nested = blocks.map((b) => b[key])
      if (nested.every(isObject)) out[key] = sumCounts(nested)
    }
  }
  return out
}

function isObject(value: unknown): value is { [key: string]: MetricValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function mergeMetrics(reports: readonly RunReport[]): {
  metrics: RunMetrics
  latencyHistogram: LatencyHistograms
} {
  const blocks = reports.map((r) => r.latencyHistogram as LatencyHistograms)
  const merge = (pick: (b: LatencyHistograms) => unknown): Histogram => {
    const histograms = blocks.map((b) => histogramFromJson(pick(b)))
    const total = createHistogram((histograms[0] as Histogram).relativeError)
    for (const h of histograms) total.merge(h)
    return total
  }
  const latency = merge((b) => b.latencyMs)
  const connect = merge((b) => b.connectTimeMs)
  const recovery = merge((b) => b.recoveryTimeMs)
  const sum = (pick: (m: RunMetrics) => number): number =>
    reports.reduce((total, r) => total + pick(r.metrics), 0)
  const sent = sum((m) => m.messagesSent)
  const received = sum((m) => m.messagesReceived)
  const pingsSent = sum((m) => m.heartbeat.sent)
  const pongs = sum((m) => m.heartbeat.received)
  const intact = blocks.reduce((total, b) => total + b.intactReplies, 0)
  const answered = reports.reduce((total, r) => total + throughputAnswered(r), 0)
  const windowMs = mergedWindowMs(reports)
  const attempted = sent + pingsSent
  const metrics: RunMetrics = {
    latencyMs: summaryOf(latency),
    successRate: attempted === 0 ? null : (intact + pongs) / attempted,
    deliveryRate: sent === 0 ? null : intact / sent,
    messagesSent: sent,
    messagesReceived: received,
    messagesLost: sum((m) => m.messagesLost),
    reconnections: sum((m) => m.reconnections),
    recoveryTimeMs: { avg: mean(recovery), max: recovery.max },
    connectTimeMs: { avg: mean(connect), p95: connect.quantile(0.95) },
    headline: mergedHeadline(reports, latency.count > 0),
    throughputMsgsPerSec:
      latency.count === 0 || !(windowMs > 0) ? null : answered / (windowMs / 1000),
    heartbeat: {
      sent: pingsSent,
      received: pongs,
      successRate: pingsSent === 0 ? null : pongs / pingsSent
    },
    errors: sum((m) => m.errors),
    // Reports written before these counts existed carry none: they count as 0.
    corrupted: sum((m) => m.corrupted ?? 0),
    duplicates: sum((m) => m.duplicates ?? 0),
    crossTalk: sum((m) => m.crossTalk ?? 0),
    unsolicited: sum((m) => m.unsolicited ?? 0)
  }
  return {
    metrics,
    latencyHistogram: {
      latencyMs: latency.toJSON(),
      connectTimeMs: connect.toJSON(),
      recoveryTimeMs: recovery.toJSON(),
      throughputWindowMs: windowMs,
      throughputAnswered: answered,
      intactReplies: intact
    }
  }
}

/**
 * The merged sampling window (ms) that makes `replies / window` the merged
 * throughput. Jobs whose runs overlap (startedAt..+durationMs) ran side by
 * side, so their rates add up: a group of overlapping jobs contributes the
 * window at which its replies arrive at the summed rate. Groups that ran one
 * after another are laid end to end (replies over summed windows).
 */
function mergedWindowMs(reports: readonly RunReport[]): number {
  const jobs = reports
    .map((r) => ({
      start: Date.parse(r.startedAt),
      end: Date.parse(r.startedAt) + r.durationMs,
      replies: throughputAnswered(r),
      windowMs: r.latencyHistogram?.throughputWindowMs ?? 0
    }))
    .filter((job) => job.windowMs > 0)
    // An unreadable startedAt cannot be shown to overlap: such jobs count as sequential.
    .sort(
      (a, b) =>
        (Number.isFinite(a.start) ? a.start : -Infinity) -
        (Number.isFinite(b.start) ? b.start : -Infinity)
    )
  let total = 0
  let group: typeof jobs = []
  let groupEnd = Number.NEGATIVE_INFINITY
  const close = (): void => {
    if (group.length === 0) return
    const replies = group.reduce((sum, job) => sum + job.replies, 0)
    const rate = group.reduce((sum, job) => sum + job.replies / job.windowMs, 0)
    // No replies at all: the group still sampled for its longest window.
    total += rate > 0 ? replies / rate : Math.max(...group.map((job) => job.windowMs))
    group = []
  }
  for (const job of jobs) {
    const dated = Number.isFinite(job.start) && Number.isFinite(job.end)
    if (!(dated && job.start < groupEnd)) {
      close()
      groupEnd = Number.NEGATIVE_INFINITY
    }
    group.push(job)
    if (dated) groupEnd = Math.max(groupEnd, job.end)
  }
  close()
  return total
}

/** Throughput's numerator in `report`; reports written before it counted every reply. */
function throughputAnswered(report: RunReport): number {
  return report.latencyHistogram?.throughputAnswered ?? report.metrics.messagesReceived
}

/** The merged headline's source: measured when any job's latency-performance took samples. */
function mergedHeadline(reports: readonly RunReport[], measured: boolean): HeadlineSource {
  if (measured) return { suite: 'latency-performance', measured: true }
  const reason = reports.map((r) => r.metrics.headline?.reason).find((r) => r !== undefined)
  return {
    suite: 'latency-performance',
    measured: false,
    reason: reason ?? 'latency-performance took no judged sample in any merged report'
  }
}

function mean(histogram: Histogram): number | null {
  return histogram.count === 0 ? null : histogram.sum / histogram.count
}

/** The metrics block's latency summary from a histogram: avg and max exact, percentiles within its error. */
export function summaryOf(histogram: Histogram): Summary {
  return {
    avg: mean(histogram),
    p50: histogram.quantile(0.5),
    p95: histogram.quantile(0.95),
    p99: histogram.quantile(0.99),
    max: histogram.max,
    count: histogram.count
  }
}
