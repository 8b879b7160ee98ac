/**
 * GitHub API failures as actionable warnings (STYLE.md §4): a 403 names the
 * permission to add, a 404/410 names the repository and the token, and
 * nothing the warning carries can contain the token.
 */
import { describeError } from '../errors.js'

/** What the lifecycle was doing when the call failed, for the warning text. */
export type IssueStep =
  | 'search for the open failure issue'
  | 'create the label'
  | 'create the failure issue'
  | 'comment on the failure issue'
  | 'update the failure issue'
  | 'close the failure issue'
  | 'close the duplicate failure issue'
  | 'read the failure issue comments'

// Token shapes GitHub issues (classic PAT, fine-grained PAT, app/installation, OAuth, refresh).
const TOKEN_PATTERNS = [/\bgh[pousr]_[A-Za-z0-9]{20,}\b/g, /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g]

/**
 * Replaces every occurrence of `secrets` (and anything shaped like a GitHub
 * token) with `***`. Octokit error messages can echo request details.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    // Very short strings would blank out ordinary words; a real token is long.
    if (secret.length >= 4) out = out.split(secret).join('***')
  }
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, '***')
  return out
}

/** The HTTP status of an Octokit RequestError, or undefined for anything else (network, bug). */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error) {
    const status = (error as { status: unknown }).status
    if (typeof status === 'number') return status
  }
  return undefined
}

function isRateLimited(error: unknown, detail: string): boolean {
  const headers = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers
  return /rate limit/i.test(detail) || headers?.['x-ratelimit-remaining'] === '0'
}

/**
 * A one-paragraph warning for a failed API call. Always ends by saying the
 * health verdict is unchanged, because that is what a reader worries about.
 * @param repo `owner/name`
 * @param secrets strings that must not appear in the result (the token)
 */
export function describeApiFailure(
  error: unknown,
  step: IssueStep,
  repo: string,
  secrets: readonly string[]
): string {
  const status = httpStatusOf(error)
  const detail = scrubSecrets(describeError(error), secrets).split('\n')[0] ?? ''
  const head = `Could not ${step} in ${repo}`
  const tail = 'The health verdict is unchanged.'
  // 429 is GitHub's secondary (abuse) rate limit; a 403 is one only when the body or headers say so.
  if (status === 429 || (status === 403 && isRateLimited(error, detail))) {
    return `${head}: GitHub answered ${status} (rate limit exceeded: ${detail}). The issue will be updated by a later run. ${tail}`
  }
  if (status === 401 || status === 403) {
    return (
      `${head}: GitHub answered ${status} (${detail}). The token cannot write issues: add ` +
      '`permissions: issues: write` to the job (or workflow), or pass a `github_token` that can. ' +
      'Pull requests from forks only get a read-only token; set `create_issue: false` for them. ' +
      tail
    )
  }
  if (status === 404 || status === 410) {
    return (
      `${head}: GitHub answered ${status} (${detail}). Check that the repository ${repo} exists, that ` +
      '`github_token` has access to it, and that Issues are enabled (Settings > General > Features). ' +
      tail
    )
  }
  if (status !== undefined) return `${head}: GitHub answered ${status} (${detail}). ${tail}`
  return `${head}: ${detail}. ${tail}`
}
