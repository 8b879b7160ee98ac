/**
 * Status rules from DESIGN.md: a suite's status from its checks, the run's
 * verdict from its suites, and the exit decision from `failOn`.
 */
import type { Config } from '../config/schema.js'
import type { ErrorCode } from '../errors.js'
import type { RunGate } from './gate.js'
import type { Check, RunStatus, Status, SuiteResult, Verdict } from './model.js'

/**
 * Codes meaning the service could not be reached at all: no connection was
 * ever established, so nothing about its behaviour was measured.
 */
export const UNREACHABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'WSH_ERR_CONNECT',
  'WSH_ERR_HANDSHAKE_REJECTED',
  'WSH_ERR_HANDSHAKE_TIMEOUT',
  'WSH_ERR_SERVER_START'
])

type VerdictInput = Pick<SuiteResult, 'status' | 'critical'> & Partial<Pick<SuiteResult, 'checks'>>

/**
 * True when the suite failed only because it could not connect: every check
 * that is not skipped failed with a connect/handshake/start code.
 */
export function suiteUnreachable(suite: VerdictInput): boolean {
  if (suite.status !== 'failed' || !suite.checks) return false
  const judged = suite.checks.filter((check) => !notAttempted(check.status))
  return (
    judged.length > 0 &&
    judged.every(
      (check) =>
        check.status === 'failed' && check.code !== undefined && UNREACHABLE_CODES.has(check.code)
    )
  )
}

/**
 * True when no selected suite managed to connect even once: every suite that
 * ran failed as unreachable (skipped suites measured nothing either way).
 */
export function serviceUnreachable(suites: readonly VerdictInput[]): boolean {
  const ran = suites.filter((suite) => !notAttempted(suite.status))
  return ran.length > 0 && ran.every(suiteUnreachable)
}

/** Skipped and not-run checks or suites measured nothing: they never count as a pass. */
export function notAttempted(status: Status): boolean {
  return status === 'skipped' || status === 'not-run'
}

/**
 * Any failed check -> failed; else any degraded -> degraded; else all
 * skipped (or no checks at all: nothing was measured) -> skipped; else all
 * skipped or not-run -> not-run; else passed.
 * A conformance finding (Check.conformance) counts as degraded at most: an
 * RFC nit never fails a suite, so never the run either.
 */
export function suiteStatus(checks: readonly Pick<Check, 'status' | 'conformance'>[]): Status {
  if (checks.some((check) => check.status === 'failed' && check.conformance !== true)) {
    return 'failed'
  }
  if (checks.some((check) => check.status === 'failed' || check.status === 'degraded')) {
    return 'degraded'
  }
  if (checks.every((check) => check.status === 'skipped')) return 'skipped'
  if (checks.every((check) => notAttempted(check.status))) return 'not-run'
  return 'passed'
}

/** True when a suite carries a failed WSH_ERR_SERVICE_DOWN check: the service went down during the run. */
export function serviceWentDown(suites: readonly VerdictInput[]): boolean {
  return suites.some((suite) =>
    (suite.checks ?? []).some(
      (check) => check.status === 'failed' && check.code === 'WSH_ERR_SERVICE_DOWN'
    )
  )
}

/**
 * `failed` if the service was unreachable for every suite (an unreachable
 * service is a failure whatever the suites' criticality) or if any critical
 * suite failed; otherwise `degraded` if any suite is
 * degraded or failed; otherwise `passed`. A service that went down during
 * the run (a WSH_ERR_SERVICE_DOWN check) fails the run whatever the suite's
 * criticality. A run in which no suite measured anything (none selected, or
 * all skipped or not-run) is `degraded`, never `passed`: nothing may report
 * a pass it did not measure.
 */
export function overallVerdict(suites: readonly VerdictInput[]): Verdict {
  if (serviceUnreachable(suites)) return 'failed'
  if (serviceWentDown(suites)) return 'failed'
  if (suites.some((suite) => suite.critical && suite.status === 'failed')) return 'failed'
  if (suites.some((suite) => suite.status === 'failed' || suite.status === 'degraded')) {
    return 'degraded'
  }
  if (suites.every((suite) => notAttempted(suite.status))) return 'degraded'
  return 'passed'
}

/**
 * The checks that say something about the service's health and did not
 * pass: failed or degraded, conformance findings left out (reports list
 * those on their own).
 */
export function healthProblems<T extends Pick<Check, 'status' | 'conformance'>>(
  checks: readonly T[]
): T[] {
  return checks.filter(
    (check) =>
      (check.status === 'failed' || check.status === 'degraded') && check.conformance !== true
  )
}

/**
 * Whether the run fails the step / CLI: the verdict under `failOn`, or the
 * gate (src/engine/gate.ts). An explicit threshold missed fails it unless
 * `failOn` is `never`; a regression recorded under fail_on_regression fails
 * it whatever `failOn` says, since the user asked for exactly that. A
 * cancelled run always fails: it did not finish, so nothing says the
 * service is healthy.
 */
export function failsRun(verdict: RunStatus, failOn: Config['failOn'], gate?: RunGate): boolean {
  if (verdict === 'cancelled') return true
  if (gate !== undefined && gate.regressions.length > 0) return true
  switch (failOn) {
    case 'never':
      return false
    case 'degraded':
      return verdict !== 'passed'
    case 'failed':
      return verdict === 'failed' || (gate !== undefined && gate.thresholdMisses.length > 0)
  }
}

/** Exit code for the run (DESIGN.md): 0 healthy, 1 the service failed the validation. */
export function exitCodeFor(verdict: RunStatus, failOn: Config['failOn'], gate?: RunGate): 0 | 1 {
  return failsRun(verdict, failOn, gate) ? 1 : 0
}
