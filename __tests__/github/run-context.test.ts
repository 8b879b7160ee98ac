import { describe, expect, it } from '@jest/globals'
import { issueRunContextFromEnv } from '../../src/github/run-context.js'

describe('issueRunContextFromEnv', () => {
  it('reads the run identity GitHub Actions sets', () => {
    const ctx = issueRunContextFromEnv({
      GITHUB_REPOSITORY: 'octo-org/octo-repo',
      GITHUB_WORKFLOW: 'WebSocket Health Validation',
      GITHUB_SERVER_URL: 'https://github.example.com',
      GITHUB_RUN_ID: '42',
      GITHUB_REF_NAME: '17/merge',
      GITHUB_HEAD_REF: 'feature/ws',
      GITHUB_SHA: 'abc123',
      GITHUB_API_URL: 'https://github.example.com/api/v3'
    })
    expect(ctx).toEqual({
      repo: { owner: 'octo-org', repo: 'octo-repo' },
      workflow: 'WebSocket Health Validation',
      runUrl: 'https://github.example.com/octo-org/octo-repo/actions/runs/42',
      branch: 'feature/ws',
      commit: 'abc123',
      apiUrl: 'https://github.example.com/api/v3'
    })
  })

  it('outside Actions has no repository and no run link', () => {
    const ctx = issueRunContextFromEnv({})
    expect(ctx.repo).toBeNull()
    expect(ctx.runUrl).toBeUndefined()
    expect(ctx.apiUrl).toBe('https://api.github.com')
  })
})
