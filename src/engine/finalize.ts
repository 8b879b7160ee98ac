/**
 * The judgement every report gets last, the same for a single run
 * (run.ts) and a merge (src/report/merge.ts): the verdict from the suites,
 * the stress downgrade, and the health score capped by a failed verdict.
 * Because both paths end here, a report merged alone keeps its verdict and
 * score, and a merged matrix is judged exactly like one run of the same
 * suites would be.
 */
import { ThresholdsSchema } from '../config/schema.js'
import type { MetricValue, RunReport } from './model.js'
import { runScore } from './run-score.js'
import { verdictWithStress } from './stress-verdict.js'
import { overallVerdict } from './verdict.js'

/** A report before its judgement; any judgement it carries is recomputed. */
export type UnjudgedReport = Omit<RunReport, 'status' | 'healthScore' | 'healthScoreCappedFrom'> &
  Partial<Pick<RunReport, 'status' | 'healthScore' | 'healthScoreCappedFrom'>>

/**
 * The report with `status`, `healthScore` and `healthScoreCappedFrom`
 * computed from its suites, metrics, stress block and config:
 * - status: overallVerdict(suites), then `passed` becomes `degraded` when
 *   the stress block's `effect.degradesRun` is true (stress-phase.ts);
 *   `cancelled` instead when the report says SIGINT/SIGTERM cut the run;
 * - score: runScore over the metrics, capped below
 *   config.thresholds.healthScore (the default when the report lacks it)
 *   when the status is failed.
 * Everything else is returned as given.
 */
export function finalize(report: UnjudgedReport): RunReport {
  const {
    schemaVersion,
    status: _status,
    healthScore: _score,
    healthScoreCappedFrom: _cappedFrom,
    ...rest
  } = report
  void _status
  void _score
  void _cappedFrom
  const verdict = verdictWithStress(overallVerdict(rest.suites), {
    degradesRun: stressDegradesRun(rest.stress)
  })
  return {
    schemaVersion,
    status: rest.cancelled !== undefined ? 'cancelled' : verdict,
    ...runScore(verdict, rest.metrics, rest.suites, scoreThreshold(rest.config)),
    ...rest
  }
}

/** True when the stress block says its breaking point degrades the run (StressEffect.degradesRun). */
function stressDegradesRun(stress: RunReport['stress']): boolean {
  const effect: MetricValue | undefined = stress?.effect
  return isRecord(effect) && effect.degradesRun === true
}

/** thresholds.healthScore as the report's (redacted) config recorded it, else the default. */
function scoreThreshold(config: RunReport['config']): number {
  const thresholds = config.thresholds
  const value = isRecord(thresholds) ? thresholds.healthScore : undefined
  return typeof value === 'number' ? value : ThresholdsSchema.parse({}).healthScore
}

function isRecord(value: MetricValue | undefined): value is { [key: string]: MetricValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
