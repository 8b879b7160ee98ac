import { describe, expect, it } from '@jest/globals'
import { issueEnabled, issueSummaryLine, syncRunIssue } from '../../src/github/action-issue.js'
import type { SyncFailureIssueOptions } from '../../src/github/issue-lifecycle.js'
import { makeConfig } from '../fixtures/builders.js'
import { makeReport } from '../fixtures/reports.js'

const ENV = {
  GITHUB_REPOSITORY: 'octo-org/octo-repo',
  GITHUB_WORKFLOW: 'health',
  GITHUB_RUN_ID: '7',
  GITHUB_SHA: 'abc123',
  GITHUB_REF_NAME: 'main',
  GITHUB_API_URL: 'http://127.0.0.1:1'
}

function recorder() {
  const warnings: string[] = []
  const calls: SyncFailureIssueOptions[] = []
  return {
    warnings,
    calls,
    log: { info: () => undefined, warning: (m: string) => warnings.push(m) },
    sync: async (options: SyncFailureIssueOptions) => {
      calls.push(options)
      return {
        issueNumber: 12,
        action: 'created' as const,
        issueUrl: 'https://github.com/o/r/issues/12'
      }
    }
  }
}

describe('issueEnabled', () => {
  it('is on with a token unless create_issue says otherwise; shards leave it to the merge', () => {
    expect(issueEnabled({ githubToken: 't0ken' })).toBe(true)
    expect(issueEnabled({})).toBe(false)
    expect(issueEnabled({ githubToken: 't0ken', createIssue: false })).toBe(false)
    expect(issueEnabled({ createIssue: true })).toBe(true)
    expect(issueEnabled({ githubToken: 't0ken', shard: '2/3' })).toBe(false)
    expect(issueEnabled({ githubToken: 't0ken', shard: '2/3', createIssue: true })).toBe(true)
  })
})

describe('syncRunIssue (failure issue)', () => {
  it('passes the run context and the issue inputs to the lifecycle', async () => {
    const r = recorder()
    const config = makeConfig({
      githubToken: 'secret-token-1',
      issueOn: 'degraded',
      issueLabels: ['ws', 'health'],
      issueAssignees: ['octocat']
    })
    const result = await syncRunIssue({
      trend: null,
      config,
      report: makeReport(),
      env: ENV,
      log: r.log,
      sync: r.sync
    })
    expect(result?.issueNumber).toBe(12)
    expect(r.calls[0]).toMatchObject({
      token: 'secret-token-1',
      apiUrl: 'http://127.0.0.1:1',
      repo: { owner: 'octo-org', repo: 'octo-repo' },
      workflow: 'health',
      runUrl: 'https://github.com/octo-org/octo-repo/actions/runs/7',
      branch: 'main',
      commit: 'abc123',
      issueOn: 'degraded',
      labels: ['ws', 'health'],
      assignees: ['octocat']
    })
  })

  it('does nothing when off, and warns outside Actions when asked for explicitly', async () => {
    const off = recorder()
    expect(
      await syncRunIssue({
        trend: null,
        config: makeConfig({}),
        report: makeReport(),
        env: ENV,
        log: off.log,
        sync: off.sync
      })
    ).toBeNull()
    expect(off.calls).toEqual([])
    const outside = recorder()
    const result = await syncRunIssue({
      trend: null,
      config: makeConfig({ createIssue: true, githubToken: 'x-token-2' }),
      report: makeReport(),
      env: {},
      log: outside.log,
      sync: outside.sync
    })
    expect(result?.action).toBe('none')
    expect(outside.calls).toEqual([])
    expect(outside.warnings[0]).toMatch(/GITHUB_REPOSITORY is not set/)
  })

  it('turns a throwing lifecycle into a warning without the token', async () => {
    const r = recorder()
    const result = await syncRunIssue({
      trend: null,
      config: makeConfig({ githubToken: 'leaky-token-3' }),
      report: makeReport(),
      env: ENV,
      log: r.log,
      sync: async () => {
        throw new Error('boom with leaky-token-3')
      }
    })
    expect(result?.issueNumber).toBeNull()
    expect(r.warnings).toEqual(['Failure issue skipped: boom with ***'])
  })
})

describe('issueSummaryLine', () => {
  it('links the issue and says what happened; nothing when no issue was touched', () => {
    expect(
      issueSummaryLine({
        issueNumber: 4,
        action: 'closed',
        issueUrl: 'https://github.com/o/r/issues/4'
      })
    ).toBe('**Failure issue:** [#4](https://github.com/o/r/issues/4) closed (recovered)')
    expect(
      issueSummaryLine({ issueNumber: 4, action: 'commented', issueUrl: 'javascript:alert(1)' })
    ).toBe('**Failure issue:** #4 updated')
    expect(issueSummaryLine({ issueNumber: 5, action: 'created' }, 'prediction')).toBe(
      '**Predicted-problem issue:** #5 opened'
    )
    expect(issueSummaryLine({ issueNumber: null, action: 'none' })).toBe('')
    expect(issueSummaryLine(null)).toBe('')
  })
})
