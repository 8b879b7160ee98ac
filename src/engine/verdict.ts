/**
 * Status rules from DESIGN.md: a suite's status from its checks, the run's
 * verdict from its suites, and the exit decision from `failOn`.
 */
import type { Config } from '../config/schema.js'
import type { Check, Status, SuiteResult, Verdict } from './model.js'

/**
 * Any failed check -> failed; else any degraded -> degraded; else all
 * skipped (or no checks at all: nothing was measured) -> skipped; else passed.
 */
export function suiteStatus(checks: readonly Pick<Check, 'status'>[]): Status {
  if (checks.some((check) => check.status === 'failed')) return 'failed'
  if (checks.some((check) => check.status === 'degraded')) return 'degraded'
  if (checks.every((check) => check.status === 'skipped')) return 'skipped'
  return 'passed'
}

/**
 * `failed` if any critical suite failed; otherwise `degraded` if any suite is
 * degraded or failed; otherwise `passed`. A run in which no suite measured
 * anything (none selected, or all skipped) is `degraded`, never `passed`:
 * nothing may report a pass it did not measure.
 */
export function overallVerdict(
  suites: readonly Pick<SuiteResult, 'status' | 'critical'>[]
): Verdict {
  if (suites.some((suite) => suite.critical && suite.status === 'failed')) return 'failed'
  if (suites.some((suite) => suite.status === 'failed' || suite.status === 'degraded')) {
    return 'degraded'
  }
  if (suites.every((suite) => suite.status === 'skipped')) return 'degraded'
  return 'passed'
}

/** Whether the verdict fails the step / CLI under `failOn`. */
export function failsRun(verdict: Verdict, failOn: Config['failOn']): boolean {
  switch (failOn) {
    case 'never':
      return false
    case 'degraded':
      return verdict !== 'passed'
    case 'failed':
      return verdict === 'failed'
  }
}

/** Exit code for the verdict (DESIGN.md): 0 healthy, 1 the service failed the validation. */
export function exitCodeFor(verdict: Verdict, failOn: Config['failOn']): 0 | 1 {
  return failsRun(verdict, failOn) ? 1 : 0
}
