/**
 * The REST calls of the failure-issue lifecycle, each bounded by the sync's
 * shared AbortSignal. Errors propagate; issue-lifecycle.ts turns them into
 * warnings.
 */
import type { getOctokit } from '@actions/github'
import { runEnvironment } from '../config/environment.js'
import { httpStatusOf } from './api-errors.js'
import { hasKeyMarker } from './issue-marker.js'

type Octokit = ReturnType<typeof getOctokit>

/** Issues per search page (GitHub's maximum). */
const SEARCH_PAGE_SIZE = 100

export interface CallContext {
  octokit: Octokit
  owner: string
  repo: string
  signal: AbortSignal
}

/**
 * The Octokit client and repository for one sync, every call bounded by one
 * AbortSignal of `timeoutMs`. Octokit's own notices go to `warn` (the
 * caller's scrubbing log), never straight to stderr. @actions/github is
 * loaded here, on first use (its own chunk in dist/): a run that opens no
 * issue never parses nor evaluates Octokit.
 */
export async function createCallContext(options: {
  token: string
  apiUrl?: string
  repo: { owner: string; repo: string }
  timeoutMs: number
  warn(message: string): void
}): Promise<CallContext> {
  const { getOctokit } = await import('@actions/github')
  return {
    octokit: getOctokit(options.token, {
      baseUrl: options.apiUrl || runEnvironment().GITHUB_API_URL || 'https://api.github.com',
      log: {
        debug: () => {},
        info: () => {},
        warn: options.warn,
        error: options.warn
      }
    }),
    owner: options.repo.owner,
    repo: options.repo.repo,
    signal: AbortSignal.timeout(options.timeoutMs)
  }
}

export interface OpenIssue {
  number: number
  body: string
  htmlUrl: string
}

export function where(ctx: CallContext): {
  owner: string
  repo: string
  request: { signal: AbortSignal }
} {
  return { owner: ctx.owner, repo: ctx.repo, request: { signal: ctx.signal } }
}

/** The oldest open issue carrying `label` and the marker for `key`, or null; reads at most `maxPages` pages. */
export async function findOpenIssue(
  ctx: CallContext,
  label: string,
  key: string,
  maxPages: number
): Promise<OpenIssue | null> {
  let best: OpenIssue | null = null
  // Plain page numbers rather than octokit.paginate: its iterator drops `request.signal`,
  // and the timeout must bound every call.
  for (let page = 1; page <= maxPages; page += 1) {
    const { data } = await ctx.octokit.rest.issues.listForRepo({
      ...where(ctx),
      labels: label,
      state: 'open',
      per_page: SEARCH_PAGE_SIZE,
      page
    })
    for (const issue of data) {
      // The issues endpoint also lists pull requests; they are never ours.
      if (issue.pull_request || !hasKeyMarker(issue.body, key)) continue
      if (best === null || issue.number < best.number) {
        best = { number: issue.number, body: issue.body ?? '', htmlUrl: issue.html_url }
      }
    }
    if (data.length < SEARCH_PAGE_SIZE) break
  }
  return best
}

/** Creates each missing label; "already exists" (422) is success. */
export async function ensureLabels(ctx: CallContext, labels: readonly string[]): Promise<void> {
  for (const name of labels) {
    try {
      await ctx.octokit.rest.issues.getLabel({ ...where(ctx), name })
      continue
    } catch (error) {
      if (httpStatusOf(error) !== 404) throw error
    }
    try {
      await ctx.octokit.rest.issues.createLabel({
        ...where(ctx),
        name,
        color: 'd73a4a',
        description: 'Failing WebSocket health validation'
      })
    } catch (error) {
      if (httpStatusOf(error) !== 422) throw error
    }
  }
}

export async function createIssue(
  ctx: CallContext,
  fields: { title: string; body: string; labels: string[]; assignees: string[] }
): Promise<{ number: number; htmlUrl: string; warning?: string }> {
  try {
    const { data } = await ctx.octokit.rest.issues.create({ ...where(ctx), ...fields })
    return { number: data.number, htmlUrl: data.html_url }
  } catch (error) {
    // An assignee who cannot be assigned makes GitHub reject the whole issue; the issue matters more.
    if (httpStatusOf(error) !== 422 || fields.assignees.length === 0) throw error
    const { data } = await ctx.octokit.rest.issues.create({
      ...where(ctx),
      ...fields,
      assignees: []
    })
    return {
      number: data.number,
      htmlUrl: data.html_url,
      warning: `Opened failure issue #${data.number} without assignees: GitHub refused ${fields.assignees.join(', ')} (check \`issue_assignees\`: they need access to the repository).`
    }
  }
}
