/**
 * The action's choice between the two issue paths for one run: a run that
 * does not fail, with `alert_issue` on, goes to syncAlertIssue (its
 * predictive alerts in the failure-issue thread, or the recovery close);
 * every other run to the failure-issue lifecycle (syncActionIssue). A side
 * channel: never throws, never changes the verdict.
 */
import type { Config } from '../config/schema.js'
import { describeError } from '../errors.js'
import type { TrendReport } from '../history/trend.js'
import { syncActionIssue, type ActionIssueOptions } from './action-issue.js'
import { syncAlertIssue, type SyncAlertIssueOptions } from './alert-issue.js'
import { scrubSecrets } from './api-errors.js'
import { isFailingRun, type SyncFailureIssueResult } from './issue-lifecycle.js'
import { issueRunContextFromEnv } from './run-context.js'

export interface RunIssueOptions extends ActionIssueOptions {
  /** This run's trend (keepActionHistory); null without history. */
  trend: TrendReport | null
  /** Test hook (default syncAlertIssue). */
  syncAlert?: (options: SyncAlertIssueOptions) => Promise<SyncFailureIssueResult>
}

/** True when this run's issue work belongs to the alert path (`alert_issue` and not failing). */
export function alertIssueApplies(
  config: Pick<Config, 'alertIssue' | 'issueOn'>,
  status: ActionIssueOptions['report']['status']
): boolean {
  return config.alertIssue === true && !isFailingRun(status, config.issueOn)
}

/**
 * Syncs the failure issue, or with `alert_issue` the predictive-alert thread.
 * @returns the result, or null when no issue path is enabled
 */
export async function syncRunIssue(
  options: RunIssueOptions
): Promise<SyncFailureIssueResult | null> {
  const { config, report, env, log } = options
  // A cancelled run judged nothing: it must neither open, update nor close (recover) an issue.
  if (report.status === 'cancelled') {
    log.info('Failure issue left as it is: the run was cancelled')
    return null
  }
  if (!alertIssueApplies(config, report.status)) return syncActionIssue(options)
  const token = config.githubToken ?? ''
  try {
    const context = issueRunContextFromEnv(env)
    if (context.repo === null) {
      const warning =
        'Predictive alert issue skipped: GITHUB_REPOSITORY is not set (not running in GitHub Actions?). Set `alert_issue: false` to silence this.'
      log.warning(warning)
      return { issueNumber: null, action: 'none', warning }
    }
    return await (options.syncAlert ?? syncAlertIssue)({
      report,
      trend: options.trend,
      token,
      apiUrl: context.apiUrl,
      repo: context.repo,
      workflow: context.workflow,
      runUrl: context.runUrl,
      runId: env.GITHUB_RUN_ID || undefined,
      branch: context.branch,
      commit: context.commit,
      issueOn: config.issueOn,
      labels: config.issueLabels,
      predictionLabel: config.alertIssueLabel,
      log
    })
  } catch (error) {
    const warning = scrubSecrets(`Predictive alert issue skipped: ${describeError(error)}`, [token])
    log.warning(warning)
    return { issueNumber: null, action: 'none', warning }
  }
}
