/**
 * One line that says why a run did not pass, for `core.setFailed` and the
 * CLI's last line: the verdict, then each failed or degraded suite with the
 * first check that missed and its reason.
 */
import type { RunReport } from '../engine/model.js'
import { statusLabel, suiteTitle } from '../format/status.js'
import { formatRunScore } from './run-text.js'
import { stressVerdictReason } from './stress-section.js'

/** At most this many suites are named; the rest are counted. */
export const MAX_REASONS = 3

/** e.g. `FAILED (health 40/100): Connection Lifecycle: Handshake: handshake rejected: HTTP 503`. */
export function verdictLine(report: RunReport): string {
  const head = `${statusLabel(report.status)} (health ${formatRunScore(report)})`
  // Cancelled: the interruption is the reason; what was cut short is not-run, not a finding.
  if (report.status === 'cancelled') {
    return `${head}: ${report.cancelled?.reason ?? 'cancelled'}; the checks it cut short are not-run`
  }
  const missed = report.suites.filter(
    (suite) => suite.status === 'failed' || suite.status === 'degraded'
  )
  // A breaking point below connection_count degrades a run whose suites passed (src/engine/stress-phase.ts).
  const stress = stressVerdictReason(report)
  if (missed.length === 0) return stress ? `${head}: ${stress}` : head
  const reasons = missed.slice(0, MAX_REASONS).map((suite) => {
    const check =
      suite.checks.find((candidate) => candidate.status === 'failed') ??
      suite.checks.find((candidate) => candidate.status === 'degraded')
    return check
      ? `${suiteTitle(suite)}: ${check.title}: ${check.message}`
      : `${suiteTitle(suite)}: ${suite.status}`
  })
  const more = missed.length > MAX_REASONS ? `; and ${missed.length - MAX_REASONS} more` : ''
  return `${head}: ${reasons.join('; ')}${more}${stress ? `; ${stress}` : ''}`
}
