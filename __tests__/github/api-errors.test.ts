import { describe, expect, it } from '@jest/globals'
import { describeApiFailure, httpStatusOf, scrubSecrets } from '../../src/github/api-errors.js'

function requestError(
  status: number,
  message: string,
  headers: Record<string, string> = {}
): Error {
  return Object.assign(new Error(message), { status, response: { headers } })
}

describe('scrubSecrets', () => {
  it('removes the given secret and anything shaped like a GitHub token', () => {
    const out = scrubSecrets(
      'a my-secret-value b ghp_abcdefghijklmnopqrstuvwxyz0123 c github_pat_11ABCDEFG0123456789_abcdefghij',
      ['my-secret-value']
    )
    expect(out).toBe('a *** b *** c ***')
  })
})

describe('describeApiFailure', () => {
  it('403 names the permission to add and says the verdict is unchanged', () => {
    const text = describeApiFailure(
      requestError(403, 'Resource not accessible by integration'),
      'create the failure issue',
      'o/r',
      []
    )
    expect(text).toContain('permissions: issues: write')
    expect(text).toContain('create_issue: false')
    expect(text).toContain('verdict is unchanged')
  })

  it('403 from the rate limit says so instead of asking for a permission', () => {
    const text = describeApiFailure(
      requestError(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0' }),
      'comment on the failure issue',
      'o/r',
      []
    )
    expect(text).toContain('rate limit')
    expect(text).not.toContain('issues: write')
  })

  it('404 names the repository and the token', () => {
    const text = describeApiFailure(
      requestError(404, 'Not Found'),
      'search for the open failure issue',
      'o/r',
      []
    )
    expect(text).toContain('o/r')
    expect(text).toContain('`github_token`')
  })

  it('never repeats the token an error message carries', () => {
    const text = describeApiFailure(
      new Error('fetch failed for token s3cr3t-token-xyz'),
      'create the label',
      'o/r',
      ['s3cr3t-token-xyz']
    )
    expect(text).not.toContain('s3cr3t-token-xyz')
    expect(httpStatusOf(new Error('x'))).toBeUndefined()
  })
})

describe('describeApiFailure on a secondary rate limit', () => {
  it('429 is reported as a rate limit, not as a generic failure', () => {
    const text = describeApiFailure(
      requestError(429, 'You have exceeded a secondary rate limit', { 'retry-after': '60' }),
      'create the failure issue',
      'o/r',
      []
    )
    expect(text).toContain('GitHub answered 429 (rate limit exceeded')
    expect(text).toContain('updated by a later run')
    expect(text).not.toContain('permissions: issues: write')
  })
})
