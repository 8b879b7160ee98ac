/**
 * The one issue thread per (workflow, target): found by its key marker and
 * tracking label, opened by the first run that has something to report,
 * commented on by later ones (with the body's latest-status section
 * refreshed), closed with a recovery comment by the first passing run. The
 * failure issue and the predictive-alert issue are two strategies over this
 * routine (issue-lifecycle.ts, alert-issue.ts): they decide what to say and
 * whether to act; the thread does the API work. A side channel: API failures
 * become a warning and never throw or change the health verdict.
 */
import type { RunReport } from '../engine/model.js'
import { HealthError, describeError } from '../errors.js'
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
import { issueKey, replaceLatestSection } from './issue-marker.js'
import { closeRecoveredIssue } from './issue-recovery.js'

export type IssueOn = 'failed' | 'degraded'
export type IssueAction = 'created' | 'commented' | 'closed' | 'none'

/** Where the thread writes progress; the caller passes core.info / core.warning. */
export interface IssueLog {
  info(message: string): void
  warning(message: string): void
}

export interface IssueThreadResult {
  /** The issue created, commented on, closed or left open; null when there is none. */
  issueNumber: number | null
  action: IssueAction
  /** Its html URL when known. */
  issueUrl?: string
  /** Set when something could not be done; already passed to log.warning. */
  warning?: string
}

/** Bounds of the thread's API work (not user settings; the user's defaults live in the config schema). */
export const ISSUE_LIMITS = {
  /** Bound on all API calls of one sync together, unless the target sets timeoutMs, ms. */
  timeoutMs: 30_000,
  /** GitHub allows 10 assignees per issue. */
  maxAssignees: 10,
  /** Open issues with the tracking label are scanned at most this many pages of 100. */
  maxSearchPages: 10
} as const

/**
 * True when `report` should open or update the failure issue under
 * `issueOn`: a failed verdict (or a degraded one under `issueOn: degraded`),
 * or a gate that failed it (src/engine/gate.ts): a threshold the user set
 * and the service missed, or a regression they asked to fail on. Such a run
 * failed the step whatever its verdict, so it must never read as a recovery.
 * A cancelled run judged nothing: it neither fails nor recovers, so the
 * issue is left as it is (syncRunIssue does not call it).
 */
export function isFailingRun(
  report: Pick<RunReport, 'status' | 'gate'>,
  issueOn: IssueOn
): boolean {
  const { status, gate } = report
  if (status === 'failed' || (issueOn === 'degraded' && status === 'degraded')) return true
  return gate !== undefined && (gate.thresholdMisses.length > 0 || gate.regressions.length > 0)
}

/** Which repository and run the thread belongs to, and how to reach the API. */
export interface IssueThreadTarget {
  report: RunReport
  /** Token with `issues: write`; never logged. */
  token: string
  /** REST base URL; default `GITHUB_API_URL ?? 'https://api.github.com'`, read at call time. */
  apiUrl?: string
  repo: { owner: string; repo: string }
  /** Workflow name: with the report's target, it identifies the thread. */
  workflow: string
  /** Tracking labels, at least one (config issue_labels); the first one also finds the open issue. */
  labels: readonly string[]
  /** Logins assigned to a new issue (default none, at most 10). */
  assignees?: string[]
  /** Config issue_on; validated like it. */
  issueOn: IssueOn
  log: IssueLog
  /** Bound on all API calls of one sync together, in ms (default ISSUE_LIMITS.timeoutMs). */
  timeoutMs?: number
}

/**
 * What this run does to the thread: `report` opens it or comments on it,
 * `recover` closes an open one, `observe` only names the open one, `skip`
 * makes no API call at all.
 */
export type ThreadIntent = 'report' | 'recover' | 'observe' | 'skip'

/** One kind of issue: what it says, and when. */
export interface ThreadStrategy {
  /** "Failure issue", "Predictive alert issue": starts skip warnings. */
  name: string
  /** The setting that turns this kind off, named in the no-token warning. */
  optOut: string
  intent: ThreadIntent
  /** Title, body and extra labels of a new issue (intent `report`). */
  newIssue(key: string): { title: string; body: string; extraLabels: readonly string[] }
  /** The comment on an open issue and its new latest-status section (intent `report`). */
  update(): { comment: string; latestSection: string }
  /** The recovery comment and latest-status section (intent `recover`). */
  recovery(): { comment: string; latestSection: string }
  /** False when the thread already says what this run would (nothing is posted). */
  worthSaying?(ctx: CallContext, open: OpenIssue): Promise<boolean>
  /** Log lines for what was done. */
  said: {
    opened(issue: number, url: string): string
    updated(issue: number, url: string): string
    recovered(issue: number, url: string): string
    duplicate(created: number, older: number): string
    unchanged?(issue: number): string
  }
}

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/

/** Trimmed labels, blanks dropped. */
function trackingLabels(labels: readonly string[]): string[] {
  return labels.map((l) => l.trim()).filter((l) => l !== '')
}

function validate(
  target: IssueThreadTarget,
  labels: readonly string[],
  assignees: readonly string[]
): void {
  const bad = (field: string, value: unknown, allowed: string): never => {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      `${field}: got ${JSON.stringify(value)}; expected ${allowed}`
    )
  }
  if (!target.repo?.owner || !target.repo?.repo)
    bad('repository', target.repo, 'an owner and a name')
  if (!target.workflow) bad('workflow', target.workflow, 'a non-empty workflow name')
  const issueOn = target.issueOn
  if (issueOn !== 'failed' && issueOn !== 'degraded') bad('issue_on', issueOn, 'failed or degraded')
  if (labels.length === 0) bad('issue_labels', target.labels, 'at least one label')
  for (const label of labels) {
    if (label.length === 0 || label.length > 50 || label.includes(',')) {
      bad('issue_labels', label, 'labels of 1-50 characters without commas')
    }
  }
  if (assignees.length > ISSUE_LIMITS.maxAssignees)
    bad('issue_assignees', assignees, 'at most 10 logins')
  for (const login of assignees)
    if (!LOGIN.test(login)) bad('issue_assignees', login, 'GitHub logins')
  const timeoutMs = target.timeoutMs ?? ISSUE_LIMITS.timeoutMs
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    bad('timeoutMs', timeoutMs, 'a positive number of ms')
}

type Partial = Omit<IssueThreadResult, 'warning'>

/**
 * Applies `strategy` to the thread of `target`. Never throws.
 * @returns what was done; `warning` when the API refused (403/404) or failed
 */
export async function syncIssueThread(
  target: IssueThreadTarget,
  strategy: ThreadStrategy
): Promise<IssueThreadResult> {
  const secrets = [target.token].filter((s): s is string => typeof s === 'string' && s !== '')
  // Service-provided text could echo the token back; nothing sent to GitHub may carry it either.
  const clean = (text: string): string => scrubSecrets(text, secrets)
  const log: IssueLog = {
    info: (message) => target.log.info(clean(message)),
    warning: (message) => target.log.warning(clean(message))
  }
  const warn = (result: Partial, message: string): IssueThreadResult => {
    const warning = clean(message)
    log.warning(warning)
    return { ...result, warning }
  }
  const none: Partial = { issueNumber: null, action: 'none' }
  if (strategy.intent === 'skip') return none
  // A JavaScript caller may still leave labels out: validate() then names issue_labels.
  const labels = trackingLabels(target.labels ?? [])
  const assignees = (target.assignees ?? [])
    .map((a) => a.trim().replace(/^@/, ''))
    .filter((a) => a !== '')
  try {
    validate(target, labels, assignees)
  } catch (error) {
    return warn(none, `${strategy.name} skipped: ${describeError(error)}`)
  }
  if (secrets.length === 0) {
    return warn(
      none,
      `${strategy.name} skipped: no GitHub token. Pass \`github_token\` (default \`\${{ github.token }}\`) or set \`${strategy.optOut}\`.`
    )
  }

  const progress = { step: 'search for the open failure issue' as IssueStep, partial: none }
  try {
    const ctx = await createCallContext({
      token: target.token,
      apiUrl: target.apiUrl,
      repo: target.repo,
      timeoutMs: target.timeoutMs ?? ISSUE_LIMITS.timeoutMs,
      warn: (m: string) => log.warning(m)
    })
    const key = issueKey(target.workflow, target.report.target)
    const search = (): Promise<OpenIssue | null> =>
      findOpenIssue(ctx, labels[0] as string, key, ISSUE_LIMITS.maxSearchPages)
    let open = await search()
    if (open === null) {
      if (strategy.intent !== 'report') return none
      const opened = await openIssue(ctx, {
        strategy,
        key,
        labels,
        assignees,
        clean,
        search,
        progress
      })
      if (opened.older === null) {
        log.info(strategy.said.opened(opened.created.number, opened.created.htmlUrl))
        return opened.created.warning
          ? warn(progress.partial, opened.created.warning)
          : progress.partial
      }
      log.info(strategy.said.duplicate(opened.created.number, opened.older.number))
      open = opened.older
    }
    const base = { issueNumber: open.number, issueUrl: open.htmlUrl }
    // The issue exists whatever happens next, so a later failure still reports its number.
    progress.partial = { ...base, action: 'none' }
    if (strategy.intent === 'report')
      return await updateIssue(ctx, open, { strategy, clean, log, progress })
    if (strategy.intent !== 'recover') return progress.partial
    const text = strategy.recovery()
    await closeRecoveredIssue(
      ctx,
      open,
      { comment: clean(text.comment), latestSection: clean(text.latestSection) },
      (next, commented) => {
        progress.step = next
        if (commented) progress.partial = { ...base, action: 'commented' }
      }
    )
    log.info(strategy.said.recovered(open.number, open.htmlUrl))
    return { ...base, action: 'closed' }
  } catch (error) {
    const slug = `${target.repo.owner}/${target.repo.repo}`
    return warn(progress.partial, describeApiFailure(error, progress.step, slug, secrets))
  }
}

interface Progress {
  step: IssueStep
  partial: Partial
}

/** Creates the issue, then yields to an older one another run opened at the same moment. */
async function openIssue(
  ctx: CallContext,
  at: {
    strategy: ThreadStrategy
    key: string
    labels: readonly string[]
    assignees: readonly string[]
    clean: (text: string) => string
    search: () => Promise<OpenIssue | null>
    progress: Progress
  }
): Promise<{ created: Awaited<ReturnType<typeof createIssue>>; older: OpenIssue | null }> {
  const { strategy, progress } = at
  const issue = strategy.newIssue(at.key)
  const labels = [...new Set([...at.labels, ...issue.extraLabels].filter((l) => l !== ''))]
  progress.step = 'create the label'
  await ensureLabels(ctx, labels)
  progress.step = 'create the failure issue'
  const created = await createIssue(ctx, {
    title: at.clean(issue.title),
    body: at.clean(issue.body),
    labels,
    assignees: [...at.assignees]
  })
  progress.partial = { issueNumber: created.number, action: 'created', issueUrl: created.htmlUrl }
  const older = await yieldToOlderIssue(ctx, created, at.search, (next) => {
    progress.step = next
  })
  if (older !== null)
    progress.partial = { issueNumber: older.number, action: 'none', issueUrl: older.htmlUrl }
  return { created, older }
}

/** One comment and at most one body edit on the open issue, unless it already says this. */
async function updateIssue(
  ctx: CallContext,
  open: OpenIssue,
  at: {
    strategy: ThreadStrategy
    clean: (text: string) => string
    log: IssueLog
    progress: Progress
  }
): Promise<IssueThreadResult> {
  const { strategy, progress } = at
  const base = { issueNumber: open.number, issueUrl: open.htmlUrl }
  if (strategy.worthSaying !== undefined) {
    progress.step = 'read the failure issue comments'
    if (!(await strategy.worthSaying(ctx, open))) {
      at.log.info(
        strategy.said.unchanged?.(open.number) ?? `Issue #${open.number} already says this`
      )
      return progress.partial
    }
  }
  const text = strategy.update()
  progress.step = 'comment on the failure issue'
  await ctx.octokit.rest.issues.createComment({
    ...where(ctx),
    issue_number: open.number,
    body: at.clean(text.comment)
  })
  progress.partial = { ...base, action: 'commented' }
  progress.step = 'update the failure issue'
  const body = replaceLatestSection(open.body, at.clean(text.latestSection))
  // One edit per run at most, and none when nothing changed.
  if (body !== open.body) {
    await ctx.octokit.rest.issues.update({ ...where(ctx), issue_number: open.number, body })
  }
  at.log.info(strategy.said.updated(open.number, open.htmlUrl))
  return progress.partial
}
