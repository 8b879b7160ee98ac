/**
 * The run's identity from the variables GitHub Actions sets, for the
 * failure issue. Takes the environment as an argument so callers (main.ts)
 * decide where it comes from and tests pass a plain object.
 */

export interface IssueRunContext {
  repo: { owner: string; repo: string } | null
  workflow: string
  runUrl: string | undefined
  branch: string | undefined
  commit: string | undefined
  apiUrl: string
}

/**
 * Reads GITHUB_REPOSITORY, GITHUB_WORKFLOW, GITHUB_SERVER_URL, GITHUB_RUN_ID,
 * GITHUB_HEAD_REF (pull requests) or GITHUB_REF_NAME, GITHUB_SHA and GITHUB_API_URL.
 * `repo` is null outside Actions (no GITHUB_REPOSITORY).
 */
export function issueRunContextFromEnv(
  env: Readonly<Record<string, string | undefined>>
): IssueRunContext {
  const [owner, name] = (env.GITHUB_REPOSITORY ?? '').split('/')
  const server = env.GITHUB_SERVER_URL || 'https://github.com'
  const repo = owner && name ? { owner, repo: name } : null
  return {
    repo,
    workflow: env.GITHUB_WORKFLOW || 'ws-health',
    runUrl:
      repo && env.GITHUB_RUN_ID
        ? `${server}/${owner}/${name}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined,
    branch: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || undefined,
    commit: env.GITHUB_SHA || undefined,
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com'
  }
}
