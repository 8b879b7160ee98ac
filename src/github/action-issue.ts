/**
 * The action's use of the issue thread: decides from the config and the
 * Actions environment whether this run syncs the failure issue or, with
 * `alert_issue` on a run that does not fail, the predictive-alert side of
 * the same thread; and renders the step-summary line. A side channel: it
 * never throws and never changes the verdict.
 */
import type { Config } from '../config/schema.js'
import type { RunReport } from '../engine/model.js'
import { describeError } from '../errors.js'
import { httpLink } from '../format/markdown.js'
import type { TrendReport } from '../history/trend.js'
import { syncAlertIssue, type SyncAlertIssueOptions } from './alert-issue.js'
import { scrubSecrets } from './api-errors.js'
import { syncFailureIssue, type SyncFailureIssueOptions } from './issue-lifecycle.js'
import { isFailingRun, type IssueLog, type IssueThreadResult } from './issue-thread.js'
import { issueRunContextFromEnv } from './run-context.js'

export interface RunIssueOptions {
  config: Config
  report: RunReport
  /** This run's trend (keepActionHistory); null without history. */
  trend: TrendReport | null
  /** The Actions environment (GITHUB_REPOSITORY, GITHUB_API_URL, ...). */
  env: Readonly<Record<string, string | undefined>>
  log: IssueLog
  /** Test hook (default syncFailureIssue). */
  sync?: (options: SyncFailureIssueOptions) => Promise<IssueThreadResult>
  /** Test hook (default syncAlertIssue). */
  syncAlert?: (options: SyncAlertIssueOptions) => Promise<IssueThreadResult>
}

/**
 * Whether the failure issue is synced: `create_issue` when set, else "a
 * token is present". A shard's verdict is partial (a passing shard must not
 * close the issue another shard's failure opened), so shards leave it to the
 * merge job unless create_issue is set explicitly.
 */
export function issueEnabled(
  config: Pick<Config, 'createIssue' | 'githubToken' | 'shard'>
): boolean {
  if (config.createIssue !== undefined) return config.createIssue
  if (config.shard !== undefined) return false
  return config.githubToken !== undefined && config.githubToken !== ''
}

/** True when this run's issue work belongs to the alert path (`alert_issue` and not failing). */
export function alertIssueApplies(
  config: Pick<Config, 'alertIssue' | 'issueOn'>,
  report: Pick<RunReport, 'status' | 'gate'>
): boolean {
  return config.alertIssue === true && !isFailingRun(report, config.issueOn)
}

/**
 * Syncs the failure issue, or with `alert_issue` the predictive-alert side of the thread.
 * @returns the result, or null when no issue path is enabled (nothing was done)
 */
export async function syncRunIssue(options: RunIssueOptions): Promise<IssueThreadResult | null> {
  const { config, report, env, log } = options
  // A cancelled run judged nothing: it must neither open, update nor close (recover) an issue.
  if (report.status === 'cancelled') {
    log.info('Failure issue left as it is: the run was cancelled')
    return null
  }
  const alert = alertIssueApplies(config, report)
  if (!alert && !issueEnabled(config)) return null
  const name = alert ? 'Predictive alert issue' : 'Failure issue'
  const token = config.githubToken ?? ''
  const skipped = (reason: string): IssueThreadResult => {
    const warning = scrubSecrets(`${name} skipped: ${reason}`, [token])
    log.warning(warning)
    return { issueNumber: null, action: 'none', warning }
  }
  try {
    const context = issueRunContextFromEnv(env)
    if (context.repo === null) {
      return skipped(
        `GITHUB_REPOSITORY is not set (not running in GitHub Actions?). Set \`${alert ? 'alert_issue' : 'create_issue'}: false\` to silence this.`
      )
    }
    const target = {
      report,
      token,
      apiUrl: context.apiUrl,
      repo: context.repo,
      workflow: context.workflow,
      runUrl: context.runUrl,
      branch: context.branch,
      commit: context.commit,
      issueOn: config.issueOn,
      labels: config.issueLabels,
      log
    }
    if (!alert) {
      return await (options.sync ?? syncFailureIssue)({
        ...target,
        assignees: config.issueAssignees
      })
    }
    return await (options.syncAlert ?? syncAlertIssue)({
      ...target,
      trend: options.trend,
      runId: env.GITHUB_RUN_ID || undefined,
      predictionLabel: config.alertIssueLabel
    })
  } catch (error) {
    // The syncs never throw; this guards the glue around them all the same.
    return skipped(describeError(error))
  }
}

const VERBS: Record<IssueThreadResult['action'], string> = {
  created: 'opened',
  commented: 'updated',
  closed: 'closed (recovered)',
  none: 'open'
}

/**
 * One markdown line for the step summary, or '' when no issue was touched.
 * @param kind what the issue is: the failure issue, or (alert_issue on a run that did not fail) the predicted-problem issue
 */
export function issueSummaryLine(
  result: IssueThreadResult | null,
  kind: 'failure' | 'prediction' = 'failure'
): string {
  if (result === null || result.issueNumber === null) return ''
  const number = String(result.issueNumber)
  const link = httpLink(`#${number}`, result.issueUrl) ?? `#${number}`
  const name = kind === 'prediction' ? 'Predicted-problem issue' : 'Failure issue'
  return `**${name}:** ${link} ${VERBS[result.action]}`
}
