/**
 * The failure issue: the issue thread (issue-thread.ts) opened by the first
 * failing run, commented on by each later failing run, closed by the first
 * passing one. A degraded run below `issue_on` leaves it as it is.
 */
import type { RunIdentity } from './issue-body.js'
import {
  buildFailureComment,
  buildFindings,
  buildIssueBody,
  buildIssueTitle,
  buildRecoveredSection,
  buildRecoveryComment
} from './issue-body.js'
import {
  isFailingRun,
  syncIssueThread,
  type IssueThreadResult,
  type IssueThreadTarget,
  type ThreadIntent,
  type ThreadStrategy
} from './issue-thread.js'

export interface SyncFailureIssueOptions extends IssueThreadTarget {
  runUrl?: string
  branch?: string
  commit?: string
}

/** The failure issue's side of the thread for one run. */
export function failureStrategy(options: SyncFailureIssueOptions): ThreadStrategy {
  const { report, workflow } = options
  const run: RunIdentity = {
    workflow,
    runUrl: options.runUrl,
    branch: options.branch,
    commit: options.commit
  }
  const intent: ThreadIntent = isFailingRun(report, options.issueOn)
    ? 'report'
    : // Only a passing run is a recovery; a degraded run below `issueOn` leaves the issue as it is.
      report.status === 'passed'
      ? 'recover'
      : 'observe'
  return {
    name: 'Failure issue',
    optOut: 'create_issue: false',
    intent,
    newIssue: (key) => ({
      title: buildIssueTitle(workflow, report.target),
      body: buildIssueBody(report, run, key),
      extraLabels: []
    }),
    update: () => ({
      comment: buildFailureComment(report, run),
      latestSection: buildFindings(report, run)
    }),
    recovery: () => ({
      comment: buildRecoveryComment(report, run),
      latestSection: buildRecoveredSection(report, run)
    }),
    said: {
      opened: (n, url) => `Opened failure issue #${n}: ${url}`,
      updated: (n, url) => `Failure issue #${n} updated with this run's findings: ${url}`,
      recovered: (n, url) => `Service recovered: closed failure issue #${n}: ${url}`,
      duplicate: (created, older) =>
        `Closed duplicate failure issue #${created} in favour of #${older}`
    }
  }
}

/**
 * Opens, updates or closes the failure issue for this run. Never throws.
 * @returns what was done; `warning` when the API refused (403/404) or failed
 */
export function syncFailureIssue(options: SyncFailureIssueOptions): Promise<IssueThreadResult> {
  return syncIssueThread(options, failureStrategy(options))
}
