/**
 * The failure issue's lifecycle for one (workflow, target): open it on the
 * first failing run, add one comment per later failing run (and refresh the
 * body's latest-status section in the same run), close it with a recovery
 * comment on the first run that no longer fails. A side channel: API
 * failures become a warning and never throw or change the health verdict.
 */
import type { RunReport, RunStatus } from '../engine/model.js'
import { HealthError, describeError } from '../errors.js'
import { describeApiFailure, scrubSecrets, type IssueStep } from './api-errors.js'
import {
  createIssue,
  ensureLabels,
  findOpenIssue,
  where,
  createCallContext,
  type OpenIssue
} from './issue-api.js'
import { yieldToOlderIssue } from './issue-duplicates.js'
import {
  buildFailureComment,
  buildFindings,
  buildIssueBody,
  buildIssueTitle,
  buildRecoveredSection,
  buildRecoveryComment,
  type RunIdentity
} from './issue-body.js'
import { issueKey, replaceLatestSection } from './issue-marker.js'
import { closeRecoveredIssue } from './issue-recovery.js'

export type IssueOn = 'failed' | 'degraded'
export type IssueAction = 'created' | 'commented' | 'closed' | 'none'

/** Where the lifecycle writes progress; the caller passes core.info / core.warning. */
export interface IssueLog {
  info(message: string): void
  warning(message: string): void
}

export interface SyncFailureIssueOptions {
  report: RunReport
  /** Token with `issues: write`; never logged. */
  token: string
  /** REST base URL; default `process.env.GITHUB_API_URL ?? 'https://api.github.com'`, read at call time. */
  apiUrl?: string
  repo: { owner: string; repo: string }
  /** Workflow name: with the report's target, it identifies the issue. */
  workflow: string
  runUrl?: string
  branch?: string
  commit?: string
  /** Lowest status that counts as failing (default 'failed'). */
  issueOn?: IssueOn
  /** Labels for a new issue; the first one also finds the open issue (default ['websocket-health']). */
  labels?: string[]
  /** Logins assigned to a new issue (default none, at most 10). */
  assignees?: string[]
  log: IssueLog
  /** Bound on all API calls of one sync together, in ms (default 30 000). */
  timeoutMs?: number
}

export interface SyncFailureIssueResult {
  /** The issue created, commented on or closed; null when none was touched. */
  issueNumber: number | null
  action: IssueAction
  /** Its html URL when known. */
  issueUrl?: string
  /** Set when something could not be done; already passed to log.warning. */
  warning?: string
}

export const ISSUE_DEFAULTS = {
  issueOn: 'failed' as IssueOn,
  labels: ['websocket-health'] as readonly string[],
  timeoutMs: 30_000,
  /** GitHub allows 10 assignees per issue. */
  maxAssignees: 10,
  /** Open issues with the tracking label are scanned at most this many pages of 100. */
  maxSearchPages: 10
} as const

/**
 * True when a run with `status` should open or update the issue under
 * `issueOn`. A cancelled run judged nothing: it neither fails nor recovers
 * (see isCancelledRun), so the issue is left as it is.
 */
export function isFailingRun(status: RunStatus, issueOn: IssueOn): boolean {
  return status === 'failed' || (issueOn === 'degraded' && status === 'degraded')
}

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/

function validate(
  options: SyncFailureIssueOptions,
  labels: readonly string[],
  assignees: readonly string[]
): void {
  const bad = (field: string, value: unknown, allowed: string): never => {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      `${field}: got ${JSON.stringify(value)}; expected ${allowed}`
    )
  }
  if (!options.repo?.owner || !options.repo?.repo)
    bad('repository', options.repo, 'an owner and a name')
  if (!options.workflow) bad('workflow', options.workflow, 'a non-empty workflow name')
  const issueOn = options.issueOn ?? ISSUE_DEFAULTS.issueOn
  if (issueOn !== 'failed' && issueOn !== 'degraded') bad('issue_on', issueOn, 'failed or degraded')
  for (const label of labels) {
    if (label.length === 0 || label.length > 50 || label.includes(',')) {
      bad('issue_labels', label, 'labels of 1-50 characters without commas')
    }
  }
  if (assignees.length > ISSUE_DEFAULTS.maxAssignees)
    bad('issue_assignees', assignees, 'at most 10 logins')
  for (const login of assignees)
    if (!LOGIN.test(login)) bad('issue_assignees', login, 'GitHub logins')
  const timeoutMs = options.timeoutMs ?? ISSUE_DEFAULTS.timeoutMs
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    bad('timeoutMs', timeoutMs, 'a positive number of ms')
}

/**
 * Opens, updates or closes the failure issue for this run. Never throws.
 * @returns what was done; `warning` when the API refused (403/404) or failed
 */
export async function syncFailureIssue(
  options: SyncFailureIssueOptions
): Promise<SyncFailureIssueResult> {
  const secrets = [options.token].filter((s): s is string => typeof s === 'string' && s !== '')
  const log: IssueLog = {
    info: (message) => options.log.info(scrubSecrets(message, secrets)),
    warning: (message) => options.log.warning(scrubSecrets(message, secrets))
  }
  // Service-provided text could echo the token back; nothing sent to GitHub may carry it either.
  const clean = (text: string): string => scrubSecrets(text, secrets)
  const slug = `${options.repo?.owner}/${options.repo?.repo}`
  const warn = (
    result: Omit<SyncFailureIssueResult, 'warning'>,
    message: string
  ): SyncFailureIssueResult => {
    const warning = scrubSecrets(message, secrets)
    log.warning(warning)
    return { ...result, warning }
  }
  const labels = (options.labels ?? []).map((l) => l.trim()).filter((l) => l !== '')
  if (labels.length === 0) labels.push(...ISSUE_DEFAULTS.labels)
  const assignees = (options.assignees ?? [])
    .map((a) => a.trim().replace(/^@/, ''))
    .filter((a) => a !== '')

  try {
    validate(options, labels, assignees)
  } catch (error) {
    return warn(
      { issueNumber: null, action: 'none' },
      `Failure issue skipped: ${describeError(error)}`
    )
  }
  if (secrets.length === 0) {
    return warn(
      { issueNumber: null, action: 'none' },
      'Failure issue skipped: no GitHub token. Pass `github_token` (default `${{ github.token }}`) or set `create_issue: false`.'
    )
  }

  const issueOn = options.issueOn ?? ISSUE_DEFAULTS.issueOn
  const run: RunIdentity = {
    workflow: options.workflow,
    runUrl: options.runUrl,
    branch: options.branch,
    commit: options.commit
  }
  const key = issueKey(options.workflow, options.report.target)
  const failing = isFailingRun(options.report.status, issueOn)
  let step: IssueStep = 'search for the open failure issue'
  let partial: Omit<SyncFailureIssueResult, 'warning'> = { issueNumber: null, action: 'none' }
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
    let open = await search()
    if (open === null) {
      if (!failing) return partial
      step = 'create the label'
      await ensureLabels(ctx, labels)
      step = 'create the failure issue'
      const title = clean(buildIssueTitle(options.workflow, options.report.target))
      const body = clean(buildIssueBody(options.report, run, key))
      const created = await createIssue(ctx, { title, body, labels, assignees })
      partial = { issueNumber: created.number, action: 'created', issueUrl: created.htmlUrl }
      const older = await yieldToOlderIssue(ctx, created, search, (next) => {
        step = next
      })
      if (older === null) {
        log.info(`Opened failure issue #${created.number}: ${created.htmlUrl}`)
        return created.warning ? warn(partial, created.warning) : partial
      }
      log.info(`Closed duplicate failure issue #${created.number} in favour of #${older.number}`)
      partial = { issueNumber: older.number, action: 'none', issueUrl: older.htmlUrl }
      open = older
    }

    const base = { issueNumber: open.number, issueUrl: open.htmlUrl }
    // The issue exists whatever happens next, so a later failure still reports its number.
    partial = { ...base, action: 'none' }
    if (failing) {
      step = 'comment on the failure issue'
      await ctx.octokit.rest.issues.createComment({
        ...where(ctx),
        issue_number: open.number,
        body: clean(buildFailureComment(options.report, run))
      })
      partial = { ...base, action: 'commented' }
      step = 'update the failure issue'
      const body = replaceLatestSection(open.body, clean(buildFindings(options.report, run)))
      // One edit per run at most, and none when nothing changed.
      if (body !== open.body) {
        await ctx.octokit.rest.issues.update({ ...where(ctx), issue_number: open.number, body })
      }
      log.info(`Failure issue #${open.number} updated with this run's findings: ${open.htmlUrl}`)
      return partial
    }

    // Only a passing run is a recovery; a degraded run below `issueOn` leaves the issue as it is.
    if (options.report.status !== 'passed') return partial

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
    log.info(`Service recovered: closed failure issue #${open.number}: ${open.htmlUrl}`)
    return { ...base, action: 'closed' }
  } catch (error) {
    return warn(partial, describeApiFailure(error, step, slug, secrets))
  }
}
