/**
 * Run-wide figures in words, the same in every sink: the score beside the
 * verdict (and why a failed verdict capped it), where the headline latency
 * comes from, and the reply-integrity counts.
 */
import type { RunMetrics, SuiteResult } from '../engine/model.js'
import { formatScore } from '../format/figures.js'
import { suiteTitle } from '../format/status.js'

type ScoredSuite = Pick<SuiteResult, 'id' | 'title' | 'critical' | 'status' | 'checks'>

/**
 * The run's score as shown beside its verdict, saying when the failed verdict
 * capped it and why: `79/100, capped from 100/100: a critical check failed
 * (Self-Healing: reconnect time)`.
 */
export function formatRunScore(report: {
  healthScore: number
  healthScoreCappedFrom?: number
  suites?: readonly ScoredSuite[]
}): string {
  const score = formatScore(report.healthScore)
  return report.healthScoreCappedFrom === undefined
    ? score
    : `${score}, capped from ${formatScore(report.healthScoreCappedFrom)}: ${capReason(report.suites ?? [])}`
}

/** Why a failed verdict capped the score: the first failed critical check, else the service. */
function capReason(suites: readonly ScoredSuite[]): string {
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

/** The reply-integrity counts in words, for the key metrics of every sink. */
export function integrityText(
  metrics: Pick<RunMetrics, 'corrupted' | 'duplicates' | 'crossTalk' | 'unsolicited'>
): string {
  return `${metrics.corrupted} corrupted, ${metrics.duplicates} duplicated, ${metrics.crossTalk} misrouted (cross-talk), ${metrics.unsolicited} unsolicited`
}
