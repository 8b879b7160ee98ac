/**
 * What a cancelled run (SIGINT/SIGTERM) reports: the checks the interruption
 * cut short become `not-run` with the signal as the reason. They measured
 * nothing, so they are neither failed as if measured nor blamed on ws-health
 * (WSH_ERR_INTERNAL) or on the service.
 */
import { suiteSettings, type Config } from '../config/schema.js'
import type { CancelledError } from '../stop-signal.js'
import type { Suite } from '../engine/suite-types.js'
import { notRun } from '../engine/checks.js'
import type { Check, SuiteId, SuiteResult } from '../engine/model.js'
import { suiteStatus } from '../engine/verdict.js'

/** Codes a check of an interrupted suite gets only because the interruption cut it. */
const CUT_CODES = new Set<Check['code']>([
  'WSH_ERR_CANCELLED',
  'WSH_ERR_DEADLINE',
  'WSH_ERR_INTERNAL'
])

function notRunByCancel(check: Check, cancel: CancelledError): Check {
  return { ...notRun(check.id, check.title, cancel.message), code: 'WSH_ERR_CANCELLED' }
}

/**
 * The checks of a suite that was running (or about to run) when the run was
 * cancelled: a failed or degraded check that measured nothing (value null)
 * or was cut (deadline, cancellation, an error the abort caused) is not-run.
 * Checks that measured a value keep their status.
 */
export function interruptedChecks(checks: readonly Check[], cancel: CancelledError): Check[] {
  return checks.map((check) => {
    const missed = check.status === 'failed' || check.status === 'degraded'
    const cut = check.value === null || CUT_CODES.has(check.code)
    return missed && cut ? notRunByCancel(check, cancel) : check
  })
}

/**
 * Every suite of a cancelled run, with any check still carrying the
 * cancellation as its failure (stress mode, protocol-violation probes)
 * turned not-run, and the suite's status recomputed.
 */
export function withoutCancelledFailures(
  suites: readonly SuiteResult[],
  cancel: CancelledError
): SuiteResult[] {
  return suites.map((suite) => {
    const checks = suite.checks.map((check) =>
      check.code === 'WSH_ERR_CANCELLED' && check.status !== 'not-run'
        ? notRunByCancel(check, cancel)
        : check
    )
    return { ...suite, checks, status: suiteStatus(checks) }
  })
}

/** Every selected suite not-run: the run was cancelled before the suites started (e.g. during server_command's start). */
export function cancelledBeforeSuites(
  config: Config,
  ids: readonly SuiteId[],
  registry: ReadonlyMap<SuiteId, Suite>,
  cancel: CancelledError
): SuiteResult[] {
  return ids.map((id) => ({
    id,
    title: registry.get(id)?.title ?? id,
    status: 'not-run',
    critical: suiteSettings(config, id).critical,
    durationMs: 0,
    checks: [{ ...notRun('run', 'suite ran', cancel.message), code: 'WSH_ERR_CANCELLED' }],
    metrics: {}
  }))
}
