/**
 * History in a branch of the repository (`history_branch`), like a gh-pages
 * data branch, written through the contents API. Two jobs writing at once
 * race on the file's blob sha: the loser gets 409 (or 422), re-reads the
 * file, re-appends its record and tries again, so no run is lost.
 *
 * The token needs `contents: write`. It is handed to Octokit and never
 * appears in a message: errors are rebuilt from status and API text, and any
 * echo of the token is masked.
 */
import type { getOctokit } from '@actions/github'
import { systemClock, type Clock } from '../metrics/clock.js'
import { HealthError, describeError } from '../errors.js'
import type { HistoryRecord } from './record.js'
import {
  checkKeep,
  parseHistory,
  serializeHistory,
  trimHistory,
  type HistoryReadResult
} from './jsonl.js'

export interface BranchLocation {
  token: string
  /** REST API root; pass the config's value (GITHUB_API_URL on a runner). Default DEFAULT_API_URL. */
  apiUrl?: string
  owner: string
  repo: string
  /** Branch holding the history, e.g. `ws-health-history`; created as an orphan branch if missing. */
  branch: string
  /** File path inside the branch, e.g. `history/ws-health.jsonl`. */
  path: string
  /**
   * Bound on the whole operation, every API call and retry wait included, ms
   * (default DEFAULT_BRANCH_TIMEOUT_MS). Octokit has no timeout of its own: a
   * GitHub that accepts the connection and never answers would hang the run.
   */
  timeoutMs?: number
}

export interface BranchAppendOptions extends BranchLocation {
  record: HistoryRecord
  /** Keep only the last N runs (config historyKeep; the schema owns its default). */
  keep: number
  /** Extra attempts after a conflicting write (default 5). */
  maxRetries?: number
  /** First wait before retrying a conflict, doubled per attempt with jitter (ms, default 200). */
  retryDelayMs?: number
  /** Commit message (default names the run time). */
  message?: string
  clock?: Clock
}

export interface BranchAppendResult {
  /** PUT attempts made (1 when there was no conflict). */
  attempts: number
  /** Records in the file after the write. */
  count: number
  /** True when this call created the branch. */
  createdBranch: boolean
  /** Sha of the commit that added the record, when the API returned it. */
  commitSha: string | null
  warnings: string[]
}

export const DEFAULT_API_URL = 'https://api.github.com'
export const DEFAULT_MAX_RETRIES = 5
export const DEFAULT_RETRY_DELAY_MS = 200
/** Whole read or append, all calls and retries included (ms): slow GitHub must not hold the run. */
export const DEFAULT_BRANCH_TIMEOUT_MS = 30_000
/** Caps the doubling so a busy branch is retried within seconds, not minutes. */
const MAX_RETRY_DELAY_MS = 2_000

type Octokit = ReturnType<typeof getOctokit>

interface FileState {
  text: string
  /** Blob sha of the current file; null when the file does not exist yet. */
  sha: string | null
  /** False when the branch itself does not exist. */
  branchExists: boolean
}

function statusOf(error: unknown): number | null {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : null
}

function mask(text: string, token: string): string {
  return token.length > 0 ? text.split(token).join('***') : text
}

/** The calls of one read or append: the client and the signal that bounds them all. */
interface Session {
  octokit: Octokit
  signal: AbortSignal
  timeoutMs: number
}

function apiError(
  error: unknown,
  what: string,
  location: BranchLocation,
  session?: Session
): HealthError {
  const where = `${location.owner}/${location.repo}@${location.branch}:${location.path}`
  if (session?.signal.aborted === true) {
    return new HealthError(
      'WSH_ERR_GITHUB',
      `history branch: ${what} ${where} timed out: GitHub did not answer within ${session.timeoutMs} ms ` +
        '(raise timeoutMs, or check GITHUB_API_URL and the network)'
    )
  }
  const status = statusOf(error)
  let advice = ''
  if (status === 401) advice = '; the token was rejected (check github_token)'
  if (status === 403) {
    advice =
      '; the token needs `contents: write` permission (workflow `permissions: contents: write`)'
  }
  if (status === 404)
    advice = `; check that ${location.owner}/${location.repo} exists and the token can see it`
  const detail = mask(describeError(error), location.token)
  return new HealthError(
    'WSH_ERR_GITHUB',
    `history branch: ${what} ${where} failed${status === null ? '' : ` (HTTP ${status})`}: ${detail}${advice}`
  )
}

async function session(location: BranchLocation): Promise<Session> {
  const timeoutMs = location.timeoutMs ?? DEFAULT_BRANCH_TIMEOUT_MS
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs: got ${timeoutMs}; expected a number > 0 (ms)`)
  }
  const octokit = await client(location)
  return { octokit, signal: AbortSignal.timeout(timeoutMs), timeoutMs }
}

async function client(location: BranchLocation): Promise<Octokit> {
  if (location.token === '') {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      'github_token: got an empty token; the history branch needs one'
    )
  }
  const apiUrl = location.apiUrl ?? DEFAULT_API_URL
  // Loaded on first use (its own chunk in dist/): Octokit and undici are the
  // largest part of the bundle, and a CLI run without --history-branch should
  // not parse them at start-up.
  const github = await import('@actions/github')
  return github.getOctokit(location.token, { baseUrl: apiUrl.replace(/\/+$/, '') })
}

async function branchExists(s: Session, location: BranchLocation): Promise<boolean> {
  try {
    await s.octokit.rest.git.getRef({
      owner: location.owner,
      repo: location.repo,
      ref: `heads/${location.branch}`,
      request: { signal: s.signal }
    })
    return true
  } catch (error) {
    if (statusOf(error) === 404) return false
    throw apiError(error, 'reading branch of', location, s)
  }
}

async function readState(s: Session, location: BranchLocation): Promise<FileState> {
  const { owner, repo, path, branch } = location
  const request = { signal: s.signal }
  let data: unknown
  try {
    data = (await s.octokit.rest.repos.getContent({ owner, repo, path, ref: branch, request })).data
  } catch (error) {
    if (statusOf(error) !== 404 || s.signal.aborted) throw apiError(error, 'reading', location, s)
    return { text: '', sha: null, branchExists: await branchExists(s, location) }
  }
  const file = data as { type?: string; sha?: string; content?: string; encoding?: string }
  if (Array.isArray(data) || file.type !== 'file' || typeof file.sha !== 'string') {
    throw new HealthError(
      'WSH_ERR_CONFIG',
      `history_branch: ${path} on ${branch} is not a file; choose a file path for the history`
    )
  }
  let content = file.content ?? ''
  // Files over 1 MB come back without content (encoding "none"); fetch the blob instead.
  if (file.encoding !== 'base64') {
    try {
      const blob = await s.octokit.rest.git.getBlob({ owner, repo, file_sha: file.sha, request })
      content = blob.data.content
    } catch (error) {
      throw apiError(error, 'reading blob of', location, s)
    }
  }
  return {
    text: Buffer.from(content, 'base64').toString('utf8'),
    sha: file.sha,
    branchExists: true
  }
}

/** The one file an orphan history branch starts with, so a person browsing it knows what it is. */
export const BRANCH_README = [
  '# ws-health run history',
  '',
  'A data branch written by websocket-health-action (history_branch): one JSON line per run',
  'in the history file. It shares no history with the code branches; do not merge it.',
  ''
].join('\n')

/**
 * Creates the history branch as an orphan: a first commit with no parent
 * holding only BRANCH_README. Branched from the default branch instead, it
 * would carry the code and .github/workflows, so a push to it could start
 * workflows and every history commit would sit on top of unrelated files.
 * @returns false when a concurrent writer created it first
 */
async function createBranch(s: Session, location: BranchLocation): Promise<boolean> {
  const { owner, repo, branch } = location
  const request = { signal: s.signal }
  let sha: string
  try {
    const tree = await s.octokit.rest.git.createTree({
      owner,
      repo,
      tree: [{ path: 'README.md', mode: '100644', type: 'blob', content: BRANCH_README }],
      request
    })
    const commit = await s.octokit.rest.git.createCommit({
      owner,
      repo,
      message: 'ws-health: start the run history [skip ci]',
      tree: tree.data.sha,
      parents: [],
      request
    })
    sha = commit.data.sha
  } catch (error) {
    throw apiError(error, 'creating the first commit of', location, s)
  }
  try {
    await s.octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha, request })
    return true
  } catch (error) {
    // 422 "Reference already exists": a concurrent writer created it first; that is fine.
    if (statusOf(error) === 422 && !s.signal.aborted) return false
    throw apiError(error, 'creating branch for', location, s)
  }
}

/**
 * Reads the history stored in a branch; a missing branch or file is an empty history.
 * @throws HealthError WSH_ERR_GITHUB on API failure (403 names `contents: write`)
 */
export async function readHistoryFromBranch(location: BranchLocation): Promise<HistoryReadResult> {
  const state = await readState(await session(location), location)
  return parseHistory(state.text, `${location.branch}:${location.path}`)
}

/**
 * Appends one record to the history file in a branch, keeping the last
 * `keep` runs, creating the branch (an orphan) when missing, and
 * retrying a conflicting write (409/422) by re-reading and re-appending.
 * @throws RangeError for a bad `keep`/`maxRetries`; HealthError WSH_ERR_GITHUB
 *   when the API fails or conflicts persist after `maxRetries` retries
 */
export async function appendRecordToBranch(
  options: BranchAppendOptions
): Promise<BranchAppendResult> {
  const { keep } = options
  checkKeep(keep)
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new RangeError(`maxRetries: got ${maxRetries}; expected an integer >= 0`)
  }
  const retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS
  if (!Number.isFinite(retryDelayMs) || retryDelayMs < 0) {
    throw new RangeError(`retryDelayMs: got ${retryDelayMs}; expected a number >= 0 (ms)`)
  }
  const clock = options.clock ?? systemClock
  const s = await session(options)
  const { owner, repo, branch, path } = options
  let createdBranch = false
  let lastConflict: unknown = null

  for (let attempt = 1; attempt <= maxRetries + 1; attempt++) {
    const state = await readState(s, options)
    if (!state.branchExists) createdBranch = (await createBranch(s, options)) || createdBranch
    const existing = parseHistory(state.text, `${branch}:${path}`)
    const records = trimHistory([...existing.records, options.record], keep)
    try {
      const response = await s.octokit.rest.repos.createOrUpdateFileContents({
        owner,
        repo,
        path,
        branch,
        // [skip ci]: a token other than GITHUB_TOKEN would otherwise start workflows on the data branch.
        message: options.message ?? `ws-health: record run of ${options.record.time} [skip ci]`,
        content: Buffer.from(serializeHistory(records), 'utf8').toString('base64'),
        ...(state.sha === null ? {} : { sha: state.sha }),
        request: { signal: s.signal }
      })
      return {
        attempts: attempt,
        count: records.length,
        createdBranch,
        commitSha: response.data.commit.sha ?? null,
        warnings: existing.warnings
      }
    } catch (error) {
      const status = statusOf(error)
      // 409: the sha is stale; 422: the file appeared since we read it (no sha sent).
      if ((status !== 409 && status !== 422) || s.signal.aborted) {
        throw apiError(error, 'writing', options, s)
      }
      lastConflict = error
      if (attempt <= maxRetries) {
        const delay = Math.min(retryDelayMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS)
        try {
          await clock.sleep(delay / 2 + Math.random() * (delay / 2), s.signal)
        } catch (error) {
          throw apiError(error, 'writing', options, s)
        }
      }
    }
  }
  throw apiError(
    lastConflict,
    `writing (still conflicting after ${maxRetries} retries)`,
    options,
    s
  )
}
