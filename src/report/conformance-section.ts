/**
 * Conformance findings (Check.conformance) listed apart from service health:
 * RFC 6455 nits the service has while doing what the suites measure. The
 * suite tables and check lists leave them out; this section names each one
 * with its suite, so a reader never takes a nit for a health failure. The
 * step summary renders its table from conformanceFindings().
 */
import { isConformanceFinding } from '../engine/checks.js'
import type { Check, RunReport, SuiteResult } from '../engine/model.js'
import { plural } from '../format/figures.js'
import { STATUS_ICONS, suiteTitle } from '../format/status.js'

export const CONFORMANCE_HEADING = 'Conformance findings (RFC 6455)'

/** What a finding means for the verdict, said once under the heading. */
export const CONFORMANCE_MEANING =
  'Protocol nits, not health failures: the service did what was measured but not the way RFC 6455 asks. They make the run degraded at most, never failed.'

export interface Finding {
  suite: SuiteResult
  check: Check
}

/** Every conformance finding of the run, in suite order. */
export function conformanceFindings(report: Pick<RunReport, 'suites'>): Finding[] {
  return report.suites.flatMap((suite) =>
    suite.checks.filter(isConformanceFinding).map((check) => ({ suite, check }))
  )
}

/** The console block: one line per finding; empty when there are none. */
export function conformanceConsoleLines(report: RunReport): string[] {
  const findings = conformanceFindings(report)
  if (findings.length === 0) return []
  return [
    `${STATUS_ICONS.degraded} ${CONFORMANCE_HEADING}: ${CONFORMANCE_MEANING}`,
    ...findings.map(
      ({ suite, check }) => `  • ${suiteTitle(suite)} / ${check.title}: ${check.message}`
    ),
    ''
  ]
}

/** "; 1 conformance finding listed below" for a suite line, or '' when it has none. */
export function findingsNote(suite: SuiteResult, where: string): string {
  const count = suite.checks.filter(isConformanceFinding).length
  if (count === 0) return ''
  return `${plural(count, 'conformance finding')} listed ${where}`
}
