/**
 * The action's use of the failure-issue lifecycle: decides from the config
 * and the Actions environment whether to sync the issue, calls
 * syncFailureIssue, and renders the step-summary line. A side channel: it
 * never throws and never changes the verdict.
 */
import type { Config } from '../config/schema.js'
import type { RunReport } from '../engine/model.js'
import { describeError } from '../errors.js'
import { scrubSecrets } from './api-errors.js'
import {
  syncFailureIssue,
  type IssueLog,
  type SyncFailureIssueOptions,
  type SyncFailureIssueResult
} from './issue-lifecycle.js'
import { issueRunContextFromEnv } from './run-context.js'

export interface ActionIssueOptions {
  config: Config
  report: RunReport
  /** The Actions environment (GITHUB_REPOSITORY, GITHUB_API_URL, ...). */
  env: Readonly<Record<string, string | undefined>>
  log: IssueLog
  /** Test hook (default syncFailureIssue). */
  sync?: (options: SyncFailureIssueOptions) => Promise<SyncFailureIssueResult>
}

/**
 * Whether the issue is synced: `create_issue` when set, else "a token is
 * present". A shard's verdict is partial (a passing shard must not close the
 * issue another shard's failure opened), so shards leave it to the merge job
 * unless create_issue is set explicitly.
 */
export function issueEnabled(
  config: Pick<Config, 'createIssue' | 'githubToken' | 'shard'>
): boolean {
  if (config.createIssue !== undefined) return config.createIssue
  if (config.shard !== undefined) return false
  return config.githubToken !== undefined && config.githubToken !== ''
}

/**
 * Opens, updates or closes the failure issue for this run when enabled.
 * @returns the lifecycle's result, or null when the issue is off (nothing was done)
 */
export async function syncActionIssue(
  options: ActionIssueOptions
): Promise<SyncFailureIssueResult | null> {
  const { config, report, env, log } = options
  if (!issueEnabled(config)) return null
  const token = config.githubToken ?? ''
  try {
    const context = issueRunContextFromEnv(env)
    if (context.repo === null) {
      const warning =
        'Failure issue skipped: GITHUB_REPOSITORY is not set (not running in GitHub Actions?). Set `create_issue: false` to silence this.'
      log.warning(warning)
      return { issueNumber: null, action: 'none', warning }
    }
    return await (options.sync ?? syncFailureIssue)({
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
      assignees: config.issueAssignees,
      log
    })
  } catch (error) {
    // syncFailureIssue never throws; this guards the glue around it all the same.
    const warning = scrubSecrets(`Failure issue skipped: ${describeError(error)}`, [token])
    log.warning(warning)
    return { issueNumber: null, action: 'none', warning }
  }
}

const VERBS: Record<SyncFailureIssueResult['action'], string> = {
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
  result: SyncFailureIssueResult | null,
  kind: 'failure' | 'prediction' = 'failure'
): string {
  if (result === null || result.issueNumber === null) return ''
  const number = String(result.issueNumber)
  const link =
    result.issueUrl !== undefined && /^https?:\/\/[^\s()]+$/.test(result.issueUrl)
      ? `[#${number}](${result.issueUrl})`
      : `#${number}`
  const name = kind === 'prediction' ? 'Predicted-problem issue' : 'Failure issue'
  return `**${name}:** ${link} ${VERBS[result.action]}`
}
