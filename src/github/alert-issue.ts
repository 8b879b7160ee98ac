/**
 * Predictive alerts in the failure-issue thread (`alert_issue`): a run that
 * does not fail but whose trend raised a prediction or a regression adds one
 * "Predictive alert" comment to the open thread of its (workflow, target),
 * or opens it titled as a predicted problem. The issue carries the same key
 * marker and tracking label as a failure issue, so a later failing run
 * continues in it and the first passing run without alerts closes it.
 * Quiet by design: an alert already reported by ws-health's last comment is
 * not reported again.
 */
import type { TrendReport } from '../history/trend.js'
import {
  alertSignature,
  buildAlertComment,
  buildAlertFindings,
  buildAlertIssueBody,
  buildAlertIssueTitle,
  isOwnComment,
  issueAlerts,
  parseAlertMarker
} from './alert-issue-body.js'
import { where, type CallContext, type OpenIssue } from './issue-api.js'
import { buildRecoveredSection, buildRecoveryComment, type RunIdentity } from './issue-body.js'
import {
  isFailingRun,
  syncIssueThread,
  type IssueThreadResult,
  type IssueThreadTarget,
  type ThreadIntent,
  type ThreadStrategy
} from './issue-thread.js'

export interface SyncAlertIssueOptions extends Omit<IssueThreadTarget, 'assignees'> {
  /** This run's trend (recordRunHistory); null when there is no history. */
  trend: TrendReport | null
  runUrl?: string
  /** GITHUB_RUN_ID: recorded in the hidden alert marker. */
  runId?: string
  branch?: string
  commit?: string
  /** Extra label on an issue opened by an alert (config alert_issue_label). */
  predictionLabel: string
}

/** Comment pages of 100 read to find ws-health's last comment. */
const MAX_COMMENT_PAGES = 10

/** Pages through the issue's comments (bounded) and returns ws-health's last one, or null. */
async function lastOwnComment(ctx: CallContext, issueNumber: number): Promise<string | null> {
  let last: string | null = null
  for (let page = 1; page <= MAX_COMMENT_PAGES; page += 1) {
    const { data } = await ctx.octokit.rest.issues.listComments({
      ...where(ctx),
      issue_number: issueNumber,
      per_page: 100,
      page
    })
    for (const comment of data) {
      if (typeof comment.body === 'string' && isOwnComment(comment.body)) last = comment.body
    }
    if (data.length < 100) break
  }
  return last
}

/** The predictive alert's side of the thread for one run; a failing run is the failure issue's. */
export function alertStrategy(options: SyncAlertIssueOptions): ThreadStrategy {
  const { report, trend, workflow } = options
  const alerts = issueAlerts(trend)
  const run: RunIdentity & { runId?: string } = {
    workflow,
    runUrl: options.runUrl,
    runId: options.runId,
    branch: options.branch,
    commit: options.commit
  }
  const failing = isFailingRun(report, options.issueOn)
  const alerting = alerts.length > 0 && trend !== null
  // No alert: a passing run is a recovery, exactly as in the failure lifecycle.
  const intent: ThreadIntent = failing
    ? 'skip'
    : alerting
      ? 'report'
      : report.status === 'passed'
        ? 'recover'
        : 'observe'
  const predictionLabel = options.predictionLabel.trim()
  return {
    name: 'Predictive alert issue',
    optOut: 'alert_issue: false',
    intent,
    newIssue: (key) => ({
      title: buildAlertIssueTitle(workflow, report.target),
      body: buildAlertIssueBody(report, trend as TrendReport, alerts, run, key),
      extraLabels: [predictionLabel]
    }),
    update: () => ({
      comment: buildAlertComment(report, trend as TrendReport, alerts, run),
      latestSection: buildAlertFindings(report, trend as TrendReport, alerts, run)
    }),
    recovery: () => ({
      comment: buildRecoveryComment(report, run),
      latestSection: buildRecoveredSection(report, run)
    }),
    // What ws-health said last: its last comment, or the body of an issue an alert opened.
    worthSaying: async (ctx: CallContext, open: OpenIssue) => {
      const said = parseAlertMarker((await lastOwnComment(ctx, open.number)) ?? open.body)
      return said === null || !alertSignature(alerts).every((a) => said.alerts.includes(a))
    },
    said: {
      opened: (n, url) => `Opened predictive alert issue #${n}: ${url}`,
      updated: (n, url) => `Predictive alert added to issue #${n}: ${url}`,
      recovered: (n, url) => `No trend alert and the run passed: closed issue #${n}: ${url}`,
      duplicate: (created, older) =>
        `Closed duplicate alert issue #${created} in favour of #${older}`,
      unchanged: (n) => `Predictive alert already reported on issue #${n}; not commenting again`
    }
  }
}

/**
 * Posts this run's predictive alerts to the thread, or closes it on a
 * passing run without alerts. Does nothing for a failing run. Never throws.
 * @returns what was done; `warning` when the API refused (403/404) or failed
 */
export function syncAlertIssue(options: SyncAlertIssueOptions): Promise<IssueThreadResult> {
  return syncIssueThread(options, alertStrategy(options))
}
