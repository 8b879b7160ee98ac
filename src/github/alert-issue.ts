/**
 * Predictive alerts in the failure-issue thread (`alert_issue`): a run that
 * does not fail but whose trend raised a prediction or a regression adds one
 * "Predictive alert" comment to the open failure issue of its (workflow,
 * target), or opens one titled as a predicted problem. The issue carries the
 * same key marker and tracking label as a failure issue, so a later failing
 * run continues in it and the first passing run without alerts closes it.
 * Quiet by design: an alert already reported by ws-health's last comment is
 * not reported again. A side channel: API failures become a warning and
 * never throw or change the health verdict.
 */
import type { RunReport } from '../engine/model.js'
import { HealthError, describeError } from '../errors.js'
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
import { describeApiFailure, scrubSecrets, type IssueStep } from './api-errors.js'
import {
  createCallContext,
  createIssue,
  ensureLabels,
  findOpenIssue,
  where,
  type CallContext,
  type OpenIssue
} from './issue-api.js'
import { yieldToOlderIssue } from './issue-duplicates.js'
import { buildRecoveredSection, buildRecoveryComment, type RunIdentity } from './issue-body.js'
import {
  ISSUE_DEFAULTS,
  isFailingRun,
  type IssueLog,
  type IssueOn,
  type SyncFailureIssueResult
} from './issue-lifecycle.js'
import { issueKey, replaceLatestSection } from './issue-marker.js'
import { closeRecoveredIssue } from './issue-recovery.js'

export interface SyncAlertIssueOptions {
  report: RunReport
  /** This run's trend (recordRunHistory); null when there is no history. */
  trend: TrendReport | null
  /** Token with `issues: write`; never logged. */
  token: string
  /** REST base URL; default `process.env.GITHUB_API_URL ?? 'https://api.github.com'`. */
  apiUrl?: string
  repo: { owner: string; repo: string }
  workflow: string
  runUrl?: string
  /** GITHUB_RUN_ID: recorded in the hidden alert marker. */
  runId?: string
  branch?: string
  commit?: string
  /** As for the failure issue: a failing run is left to syncFailureIssue (default 'failed'). */
  issueOn?: IssueOn
  /** Tracking labels; the first finds the open issue (default ['websocket-health']). */
  labels?: string[]
  /** Extra label on an issue opened by an alert (default 'websocket-health-prediction'). */
  predictionLabel?: string
  log: IssueLog
  /** Bound on all API calls together, in ms (default 30 000). */
  timeoutMs?: number
}

export const ALERT_ISSUE_DEFAULTS = {
  predictionLabel: 'websocket-health-prediction',
  /** Comment pages of 100 read to find ws-health's last comment. */
  maxCommentPages: 10
} as const

/** Pages through the issue's comments (bounded) and returns ws-health's last one, or null. */
async function lastOwnComment(ctx: CallContext, issueNumber: number): Promise<string | null> {
  let last: string | null = null
  for (let page = 1; page <= ALERT_ISSUE_DEFAULTS.maxCommentPages; page += 1) {
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

/**
 * Posts this run's predictive alerts to the failure-issue thread, or closes
 * the thread on a passing run without alerts. Does nothing for a failing run
 * (syncFailureIssue's job). Never throws.
 * @returns what was done; `warning` when the API refused (403/404) or failed
 */
export async function syncAlertIssue(
  options: SyncAlertIssueOptions
): Promise<SyncFailureIssueResult> {
  const secrets = [options.token].filter((s): s is string => typeof s === 'string' && s !== '')
  const clean = (text: string): string => scrubSecrets(text, secrets)
  const log: IssueLog = {
    info: (message) => options.log.info(clean(message)),
    warning: (message) => options.log.warning(clean(message))
  }
  const warn = (
    result: Omit<SyncFailureIssueResult, 'warning'>,
    message: string
  ): SyncFailureIssueResult => {
    const warning = clean(message)
    log.warning(warning)
    return { ...result, warning }
  }
  const none: SyncFailureIssueResult = { issueNumber: null, action: 'none' }
  if (isFailingRun(options.report.status, options.issueOn ?? ISSUE_DEFAULTS.issueOn)) return none
  const labels = (options.labels ?? []).map((l) => l.trim()).filter((l) => l !== '')
  if (labels.length === 0) labels.push(...ISSUE_DEFAULTS.labels)
  const predictionLabel = (options.predictionLabel ?? ALERT_ISSUE_DEFAULTS.predictionLabel).trim()
  try {
    if (!options.repo?.owner || !options.repo?.repo) {
      throw new HealthError(
        'WSH_ERR_CONFIG',
        `repository: got ${JSON.stringify(options.repo)}; expected an owner and a name`
      )
    }
    if (!options.workflow) {
      throw new HealthError(
        'WSH_ERR_CONFIG',
        'workflow: got ""; expected a non-empty workflow name'
      )
    }
  } catch (error) {
    return warn(none, `Predictive alert issue skipped: ${describeError(error)}`)
  }
  if (secrets.length === 0) {
    return warn(
      none,
      'Predictive alert issue skipped: no GitHub token. Pass `github_token` (default `${{ github.token }}`) or set `alert_issue: false`.'
    )
  }

  const alerts = issueAlerts(options.trend)
  const run: RunIdentity & { runId?: string } = {
    workflow: options.workflow,
    runUrl: options.runUrl,
    runId: options.runId,
    branch: options.branch,
    commit: options.commit
  }
  const slug = `${options.repo.owner}/${options.repo.repo}`
  const key = issueKey(options.workflow, options.report.target)
  let step: IssueStep = 'search for the open failure issue'
  let partial: Omit<SyncFailureIssueResult, 'warning'> = none
  try {
    const ctx = createCallContext({
      token: options.token,
      apiUrl: options.apiUrl,
      repo: options.repo,
      timeoutMs: options.timeoutMs ?? ISSUE_DEFAULTS.timeoutMs,
      warn: (m: string) => log.warning(m)
    })
    const search = (): Promise<OpenIssue | null> =>
      findOpenIssue(ctx, labels[0] as string, key, ISSUE_DEFAULTS.maxSearchPages)
    const open = await search()

    if (alerts.length === 0 || options.trend === null) {
      // No alert: a passing run is a recovery, exactly as in the failure lifecycle.
      if (open === null || options.report.status !== 'passed') return partial
      const base = { issueNumber: open.number, issueUrl: open.htmlUrl }
      partial = { ...base, action: 'none' }
      await closeRecoveredIssue(
        ctx,
        open,
        {
          comment: clean(buildRecoveryComment(options.report, run)),
          latestSection: clean(buildRecoveredSection(options.report, run))
        },
        (next, commented) => {
          step = next
          if (commented) partial = { ...base, action: 'commented' }
        }
      )
      log.info(`No trend alert and the run passed: closed issue #${open.number}: ${open.htmlUrl}`)
      return { ...base, action: 'closed' }
    }

    const trend = options.trend
    if (open === null) {
      step = 'create the label'
      const issueLabels = [...new Set([...labels, predictionLabel].filter((l) => l !== ''))]
      await ensureLabels(ctx, issueLabels)
      step = 'create the failure issue'
      const created = await createIssue(ctx, {
        title: clean(buildAlertIssueTitle(options.workflow, options.report.target)),
        body: clean(buildAlertIssueBody(options.report, trend, alerts, run, key)),
        labels: issueLabels,
        assignees: []
      })
      partial = { issueNumber: created.number, action: 'created', issueUrl: created.htmlUrl }
      const older = await yieldToOlderIssue(ctx, created, search, (next) => {
        step = next
      })
      if (older === null) {
        log.info(`Opened predictive alert issue #${created.number}: ${created.htmlUrl}`)
        return partial
      }
      // Another run opened the thread at the same moment; its alerts continue there.
      log.info(`Closed duplicate alert issue #${created.number} in favour of #${older.number}`)
      return { issueNumber: older.number, action: 'none', issueUrl: older.htmlUrl }
    }

    const base = { issueNumber: open.number, issueUrl: open.htmlUrl }
    partial = { ...base, action: 'none' }
    step = 'read the failure issue comments'
    // What ws-health said last: its last comment, or the body of an issue an alert opened.
    const said = parseAlertMarker((await lastOwnComment(ctx, open.number)) ?? open.body)
    const current = alertSignature(alerts)
    if (said !== null && current.every((a) => said.alerts.includes(a))) {
      log.info(`Predictive alert already reported on issue #${open.number}; not commenting again`)
      return partial
    }
    step = 'comment on the failure issue'
    await ctx.octokit.rest.issues.createComment({
      ...where(ctx),
      issue_number: open.number,
      body: clean(buildAlertComment(options.report, trend, alerts, run))
    })
    partial = { ...base, action: 'commented' }
    step = 'update the failure issue'
    const body = replaceLatestSection(
      open.body,
      clean(buildAlertFindings(options.report, trend, alerts, run))
    )
    if (body !== open.body) {
      await ctx.octokit.rest.issues.update({ ...where(ctx), issue_number: open.number, body })
    }
    log.info(`Predictive alert added to issue #${open.number}: ${open.htmlUrl}`)
    return partial
  } catch (error) {
    return warn(partial, describeApiFailure(error, step, slug, secrets))
  }
}
