/**
 * The one place numbers become words: rounding, units, status labels and
 * icons for every sink in src/report/. A metric nobody measured is `n/a`,
 * never 0, so a reader cannot mistake "not measured" for "perfect".
 */
import type { RunMetrics, Status, SuiteId, SuiteResult, Threshold } from '../engine/model.js'

/** Shown for a metric that was not measured (null, NaN or infinite). */
export const NOT_AVAILABLE = 'n/a'

/** Icons by status; `cancelled` is a run's status only (RunStatus). */
export const STATUS_ICONS: Record<Status | 'cancelled', string> = {
  passed: '✅',
  degraded: '⚠️',
  failed: '❌',
  skipped: '⏭',
  'not-run': '⏹',
  cancelled: '🛑'
}

export const SUITE_TITLES: Record<SuiteId, string> = {
  'connection-lifecycle': 'Connection Lifecycle',
  'self-healing': 'Self-Healing',
  'message-delivery': 'Message Delivery',
  'heartbeat-monitoring': 'Heartbeat Monitoring',
  'concurrent-connections': 'Concurrent Connections',
  'latency-performance': 'Latency & Performance'
}

export function statusLabel(status: Status | 'cancelled'): string {
  return status.toUpperCase()
}

function measurable(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/**
 * A plain number rounded to at most `digits` decimals, trailing zeros
 * dropped (`45.2`, `100`); `n/a` when not measured. Used for outputs,
 * which workflows compare numerically.
 */
export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (!measurable(value)) return NOT_AVAILABLE
  const factor = 10 ** digits
  const rounded = Math.round(value * factor) / factor
  // -0 prints as "0"
  return String(rounded === 0 ? 0 : rounded)
}

/**
 * Milliseconds with their unit (`45.23 ms`); sub-millisecond values keep a
 * third decimal (`0.014 ms`) so a fast local service does not read as 0.01
 * everywhere; `n/a` when not measured.
 */
export function formatMs(value: number | null | undefined, digits = 2): string {
  if (!measurable(value)) return NOT_AVAILABLE
  return `${formatNumber(value, Math.abs(value) < 1 ? Math.max(digits, 3) : digits)} ms`
}

/** A run length: ms below one second, seconds above (`850 ms`, `12.3 s`). */
export function formatDuration(ms: number | null | undefined): string {
  if (!measurable(ms)) return NOT_AVAILABLE
  return ms < 1000 ? `${formatNumber(ms, 0)} ms` : `${formatNumber(ms / 1000, 1)} s`
}

/** A 0-1 ratio as a percentage (`98.5%`); `n/a` when not measured. */
export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  return measurable(ratio) ? `${formatNumber(ratio * 100, digits)}%` : NOT_AVAILABLE
}

/** A value in a check's unit, for people (`520.4 ms`, `98.5%`, `yes`). */
export function formatValue(value: number | string | boolean | null, unit: string): string {
  if (value === null) return NOT_AVAILABLE
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (typeof value === 'string') return unit ? `${value} ${unit}` : value
  if (!Number.isFinite(value)) return NOT_AVAILABLE
  switch (unit) {
    case 'ratio':
      return formatPercent(value)
    case 'ms':
      return formatMs(value)
    case '':
    case 'count':
    case 'score':
      return formatNumber(value)
    default:
      return `${formatNumber(value)} ${unit}`
  }
}

/** A threshold with its comparison (`< 500 ms`, `>= 95%`); `—` when the check has none. */
export function formatThreshold(threshold: Threshold | null, unit: string): string {
  if (threshold === null) return '—'
  return `${threshold.op} ${formatValue(threshold.value, unit)}`
}

/** A health score (`92.5/100`). */
export function formatScore(score: number | null | undefined): string {
  return measurable(score) ? `${formatNumber(score, 1)}/100` : NOT_AVAILABLE
}

/**
 * The run's score as shown beside its verdict, saying when the failed verdict
 * capped it and why: `79/100, capped from 100/100: a critical check failed
 * (Self-Healing: reconnect time)`.
 */
export function formatRunScore(report: {
  healthScore: number
  healthScoreCappedFrom?: number
  suites?: readonly Pick<SuiteResult, 'id' | 'title' | 'critical' | 'status' | 'checks'>[]
}): string {
  const score = formatScore(report.healthScore)
  return report.healthScoreCappedFrom === undefined
    ? score
    : `${score}, capped from ${formatScore(report.healthScoreCappedFrom)}: ${capReason(report.suites ?? [])}`
}

/** Why a failed verdict capped the score: the first failed critical check, else the service. */
function capReason(
  suites: readonly Pick<SuiteResult, 'id' | 'title' | 'critical' | 'status' | 'checks'>[]
): string {
  for (const suite of suites) {
    if (!suite.critical || suite.status !== 'failed') continue
    const check = suite.checks.find((c) => c.status === 'failed' && c.conformance !== true)
    if (check) return `a critical check failed (${suiteTitle(suite)}: ${check.title})`
  }
  // The verdict fails without a critical suite failing only when the service was gone.
  return 'the service went down or could not be reached'
}

/**
 * Where the headline latency and throughput come from, for their labels;
 * '' for a report written before the source was recorded.
 */
export function headlineSourceText(metrics: Pick<RunMetrics, 'headline'>): string {
  const headline = metrics.headline
  if (headline === undefined) return ''
  return headline.measured
    ? `${headline.suite}'s judged samples; throughput per wall-clock second of its window`
    : `not measured: ${headline.reason ?? `${headline.suite} did not measure`}`
}

/** Messages per second (`123.46 msgs/s`); `n/a` when not measured. */
export function formatThroughput(msgsPerSec: number | null | undefined): string {
  return measurable(msgsPerSec) ? `${formatNumber(msgsPerSec)} msgs/s` : NOT_AVAILABLE
}

/** The title shown for a suite: the seed's names for known ids, else the suite's own. */
export function suiteTitle(suite: { id: string; title: string }): string {
  return (SUITE_TITLES as Record<string, string | undefined>)[suite.id] ?? suite.title
}

/** The reply-integrity counts in words, for the key metrics of every sink. */
export function integrityText(
  metrics: Pick<RunMetrics, 'corrupted' | 'duplicates' | 'crossTalk' | 'unsolicited'>
): string {
  return `${metrics.corrupted} corrupted, ${metrics.duplicates} duplicated, ${metrics.crossTalk} misrouted (cross-talk), ${metrics.unsolicited} unsolicited`
}
