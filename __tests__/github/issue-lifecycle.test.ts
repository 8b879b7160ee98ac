import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  startFakeGitHub,
  type FakeGitHub,
  type FakeGitHubOptions
} from '../fixtures/fake-github.js'
import { syncFailureIssue, type SyncFailureIssueOptions } from '../../src/github/issue-lifecycle.js'
import type { IssueThreadResult } from '../../src/github/issue-thread.js'
import { issueKey, keyMarker, LATEST_END, LATEST_START } from '../../src/github/issue-marker.js'
import type { RunReport } from '../../src/engine/model.js'
import { failingReport, passingReport } from './report-builder.js'
import { makeConfig } from '../fixtures/builders.js'

// Distinctive, so a leak anywhere is found by a plain substring search.
const TOKEN = 'ghs_FAKEtoken0123456789abcdefSECRET42'
const WORKFLOW = 'WebSocket Health Validation'
const DEFAULTS = makeConfig()

let fake: FakeGitHub
let logged: string[]

async function start(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  fake = await startFakeGitHub(options)
  return fake
}

function sync(
  report: RunReport,
  overrides: Partial<SyncFailureIssueOptions> = {}
): Promise<IssueThreadResult> {
  return syncFailureIssue({
    report,
    token: TOKEN,
    apiUrl: fake.url,
    repo: { owner: 'octo-org', repo: 'octo-repo' },
    workflow: WORKFLOW,
    // A default config's issue settings (the thread has no defaults of its own).
    issueOn: DEFAULTS.issueOn,
    labels: DEFAULTS.issueLabels,
    runUrl: 'https://github.com/octo-org/octo-repo/actions/runs/1001',
    branch: 'main',
    commit: 'abc1234def5678',
    log: { info: (m) => logged.push(`info: ${m}`), warning: (m) => logged.push(`warning: ${m}`) },
    ...overrides
  })
}

/** Everything the lifecycle sent to GitHub or logged, as one string. */
function everythingEmitted(): string {
  return [
    ...logged,
    ...fake.requests.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body)}`)
  ].join('\n')
}

beforeEach(() => {
  logged = []
})

afterEach(async () => {
  await fake?.close()
})

describe('syncFailureIssue lifecycle', () => {
  it('first failure creates one issue with the label, the marker and the findings', async () => {
    await start()
    const result = await sync(failingReport())

    expect(result).toEqual({
      issueNumber: 1,
      action: 'created',
      issueUrl: 'https://github.com/octo-org/octo-repo/issues/1'
    })
    const creates = fake.requests.filter(
      (r) => r.method === 'POST' && r.path === '/repos/octo-org/octo-repo/issues'
    )
    expect(creates).toHaveLength(1)
    expect(fake.issues).toHaveLength(1)
    const issue = fake.issues[0]!
    expect(issue.labels).toEqual(['websocket-health'])
    expect(fake.labels.has('websocket-health')).toBe(true)
    expect(fake.requests.some((r) => r.method === 'POST' && r.path.endsWith('/labels'))).toBe(true)
    expect(issue.body).toContain(keyMarker(issueKey(WORKFLOW, 'ws://127.0.0.1:8001/ws')))
    expect(issue.body).toContain(LATEST_START)
    expect(issue.body).toContain('**Branch:** `main`')
    expect(issue.body).toContain('`abc1234def56`')
    expect(issue.body).toContain(
      '[workflow run](https://github.com/octo-org/octo-repo/actions/runs/1001)'
    )
    expect(issue.body).toContain(
      'Reconnect time: 15000 ms (threshold &lt; 10000 ms): reconnect took 15000 ms'
    )
    expect(issue.body).toContain('**Health score:** 41.5/100 (Critical)')
    expect(issue.body).toContain('**Self-healing mechanism issues**')
    expect(issue.body).toContain('| Success rate | 60% |')
    expect(issue.title).toContain('ws:')
    // The token authenticated the calls...
    // Non-empty first: an every()/loop over nothing would pass vacuously.
    expect(fake.requests.length).toBeGreaterThan(0)
    expect(fake.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true)
    // ...and went nowhere else.
    expect(everythingEmitted()).not.toContain(TOKEN)
  })

  it('does not create the label when it already exists', async () => {
    await start({ labels: ['websocket-health'] })
    await sync(failingReport())
    expect(fake.requests.some((r) => r.method === 'POST' && r.path.endsWith('/labels'))).toBe(false)
    expect(fake.issues).toHaveLength(1)
  })

  it('a second failure comments once, edits the body at most once and creates nothing new', async () => {
    await start()
    await sync(failingReport())
    const before = fake.requests.length

    const second = await sync(failingReport('reconnect took 20000 ms'), {
      runUrl: 'https://github.com/octo-org/octo-repo/actions/runs/1002'
    })

    expect(second).toMatchObject({ issueNumber: 1, action: 'commented' })
    const writes = fake.requests.slice(before).filter((r) => r.method !== 'GET')
    expect(writes.filter((r) => r.method === 'POST' && r.path.endsWith('/issues'))).toHaveLength(0)
    expect(writes.filter((r) => r.path.endsWith('/issues/1/comments'))).toHaveLength(1)
    expect(writes.filter((r) => r.method === 'PATCH').length).toBeLessThanOrEqual(1)
    expect(fake.issues).toHaveLength(1)
    const issue = fake.issues[0]!
    expect(issue.state).toBe('open')
    expect(issue.comments).toHaveLength(1)
    expect(issue.comments[0]!.body).toContain('Still failing')
    expect(issue.comments[0]!.body).toContain('reconnect took 20000 ms')
    // The latest-status section now shows run 1002; the "first failing run" line still shows 1001.
    const latest = issue.body.slice(
      issue.body.indexOf(LATEST_START),
      issue.body.indexOf(LATEST_END)
    )
    expect(latest).toContain('runs/1002')
    expect(latest).not.toContain('runs/1001')
    expect(issue.body).toContain(
      '**First failing run:** [workflow run](https://github.com/octo-org/octo-repo/actions/runs/1001)'
    )
    expect(issue.body.split(LATEST_START)).toHaveLength(2)
  })

  it('the first passing run comments "recovered" with the figures and closes the issue', async () => {
    await start()
    await sync(failingReport())
    await sync(failingReport())
    const result = await sync(passingReport())

    expect(result).toMatchObject({ issueNumber: 1, action: 'closed' })
    const issue = fake.issues[0]!
    expect(issue.state).toBe('closed')
    expect(issue.stateReason).toBe('completed')
    expect(issue.comments).toHaveLength(2)
    const recovery = issue.comments[1]!.body
    expect(recovery).toContain('Recovered')
    expect(recovery).toContain('**Health score:** 97.5/100 (Excellent)')
    expect(recovery).toContain('| P50 / P95 / P99 latency | 42.15 ms / 89.34 ms / 125.67 ms |')

    // A later pass finds no open issue and writes nothing; a later failure opens a new one.
    const writesBefore = fake.writes().length
    expect(await sync(passingReport())).toEqual({ issueNumber: null, action: 'none' })
    expect(fake.writes()).toHaveLength(writesBefore)
    expect(await sync(failingReport())).toMatchObject({ issueNumber: 2, action: 'created' })
  })

  it('a passing run with no open issue makes no write requests', async () => {
    await start()
    const result = await sync(passingReport())
    expect(result).toEqual({ issueNumber: null, action: 'none' })
    expect(fake.requests.length).toBeGreaterThan(0)
    expect(fake.writes()).toEqual([])
  })

  it('a degraded run below issueOn neither closes nor comments on the open issue', async () => {
    await start()
    await sync(failingReport())
    const writesBefore = fake.writes().length
    const degraded = passingReport({ status: 'degraded', healthScore: 80 })
    expect(await sync(degraded, { issueOn: 'failed' })).toEqual({
      issueNumber: 1,
      issueUrl: expect.stringContaining('/issues/1'),
      action: 'none'
    })
    expect(fake.writes()).toHaveLength(writesBefore)
    expect(fake.issues[0]!.state).toBe('open')
  })

  it('degraded counts as failing only with issueOn: degraded', async () => {
    await start()
    const degraded = passingReport({ status: 'degraded', healthScore: 80 })
    expect(await sync(degraded, { issueOn: 'failed' })).toEqual({
      issueNumber: null,
      action: 'none'
    })
    expect(fake.writes()).toEqual([])
    expect(await sync(degraded, { issueOn: 'degraded' })).toMatchObject({ action: 'created' })
  })

  it('a run its gate failed reports on the issue and never closes it as recovered', async () => {
    await start()
    // A degraded verdict whose degradation is a threshold the user set: the step failed.
    const missed = passingReport({
      status: 'degraded',
      healthScore: 80,
      gate: {
        thresholdMisses: [
          {
            suite: 'latency-performance',
            check: 'latency-p95',
            title: 'latency p95',
            threshold: 'p95LatencyMs',
            value: 240,
            op: '<',
            limit: 200,
            unit: 'ms'
          }
        ],
        regressions: []
      }
    })
    expect(await sync(missed, { issueOn: 'failed' })).toMatchObject({
      issueNumber: 1,
      action: 'created'
    })
    // A passing verdict with a regression fail_on_regression failed on is no recovery.
    const regressed = passingReport({
      gate: { thresholdMisses: [], regressions: [{ metric: 'p95LatencyMs' }] as never }
    })
    expect(await sync(regressed)).toMatchObject({ issueNumber: 1, action: 'commented' })
    expect(fake.issues[0]!.state).toBe('open')
    expect(await sync(passingReport())).toMatchObject({ issueNumber: 1, action: 'closed' })
  })

  it('keeps one issue per (workflow, target) and ignores pull requests and other targets', async () => {
    await start()
    const key = issueKey(WORKFLOW, 'ws://127.0.0.1:8001/ws')
    fake.addIssue({
      title: 'a PR quoting the marker',
      body: keyMarker(key),
      labels: ['websocket-health'],
      pullRequest: true
    })
    fake.addIssue({
      title: 'other target',
      body: keyMarker(issueKey(WORKFLOW, 'ws://other/ws')),
      labels: ['websocket-health']
    })

    const first = await sync(failingReport())
    expect(first).toMatchObject({ issueNumber: 3, action: 'created' })
    const otherWorkflow = await sync(failingReport(), { workflow: 'Nightly chaos' })
    expect(otherWorkflow).toMatchObject({ issueNumber: 4, action: 'created' })
    expect(await sync(failingReport())).toMatchObject({ issueNumber: 3, action: 'commented' })
  })

  it('two runs failing at once end with one open issue: the newer closes as a duplicate', async () => {
    await start()
    const key = issueKey(WORKFLOW, 'ws://127.0.0.1:8001/ws')
    // A concurrent run's issue that this run's first search does not see yet.
    const older = fake.addIssue({
      title: 'older',
      body: `${keyMarker(key)}\n${LATEST_START}\nold\n${LATEST_END}`,
      labels: ['websocket-health'],
      hiddenFromSearches: 1
    })

    const result = await sync(failingReport())

    expect(result).toEqual({
      issueNumber: older.number,
      action: 'commented',
      issueUrl: `https://github.com/octo-org/octo-repo/issues/${older.number}`
    })
    const duplicate = fake.issues.find((i) => i.number !== older.number)!
    expect(duplicate.state).toBe('closed')
    expect(duplicate.stateReason).toBe('not_planned')
    expect(duplicate.comments.map((c) => c.body).join('\n')).toContain(`#${older.number}`)
    expect(older.state).toBe('open')
    expect(older.comments).toHaveLength(1)
    expect(fake.issues.filter((i) => i.state === 'open')).toHaveLength(1)
    // The next failing run finds the older issue.
    expect(await sync(failingReport())).toMatchObject({ issueNumber: older.number })
  })

  it('a rotating token in the target query neither opens a new issue nor reaches GitHub', async () => {
    await start()
    const target = (t: string): RunReport =>
      failingReport(undefined, { target: `ws://svc:8001/ws?token=${t}&room=a` })
    await sync(target('one-time-secret-1'))
    expect(await sync(target('one-time-secret-2'))).toMatchObject({
      issueNumber: 1,
      action: 'commented'
    })
    expect(everythingEmitted()).not.toContain('one-time-secret')
    expect(fake.issues[0]!.body).toContain('token=***')
  })

  it('re-adds the latest-status section when someone removed its markers', async () => {
    await start()
    await sync(failingReport())
    const issue = fake.issues[0]!
    issue.body = issue.body.replace(LATEST_START, '').replace(LATEST_END, '')
    await sync(failingReport('third time'))
    expect(issue.body).toContain(LATEST_START)
    expect(issue.body.slice(issue.body.indexOf(LATEST_START))).toContain('third time')
  })

  it('finds its issue beyond the first page of labelled issues', async () => {
    await start()
    for (let i = 0; i < 150; i += 1) {
      fake.addIssue({
        title: `other ${i}`,
        body: keyMarker(`other${i}`),
        labels: ['websocket-health']
      })
    }
    await sync(failingReport())
    expect(fake.issues).toHaveLength(151)
    expect(await sync(failingReport())).toMatchObject({ issueNumber: 151, action: 'commented' })
    expect(fake.requests.filter((r) => r.path.includes('page=2')).length).toBeGreaterThan(0)
  })

  it('applies labels and assignees to a new issue and searches by the first label', async () => {
    await start()
    await sync(failingReport(), { labels: ['ws-alert', 'ops'], assignees: ['@alice', 'bob'] })
    const issue = fake.issues[0]!
    expect(issue.labels).toEqual(['ws-alert', 'ops'])
    expect(issue.assignees).toEqual(['alice', 'bob'])
    const search = fake.requests.find((r) => r.method === 'GET' && r.path.includes('/issues?'))!
    expect(new URL(search.path, 'http://x').searchParams.get('labels')).toBe('ws-alert')
  })

  it('opens the issue without assignees GitHub refuses, with a warning', async () => {
    await start({ assignable: ['alice'] })
    const result = await sync(failingReport(), { assignees: ['alice', 'mallory'] })
    expect(result).toMatchObject({ issueNumber: 1, action: 'created' })
    expect(result.warning).toContain('issue_assignees')
    expect(fake.issues[0]!.assignees).toEqual([])
  })

  it('reads GITHUB_API_URL at call time when apiUrl is not given', async () => {
    await start()
    const saved = process.env.GITHUB_API_URL
    process.env.GITHUB_API_URL = fake.url
    try {
      const result = await sync(failingReport(), { apiUrl: undefined })
      expect(result.action).toBe('created')
    } finally {
      if (saved === undefined) delete process.env.GITHUB_API_URL
      else process.env.GITHUB_API_URL = saved
    }
  })
})

describe('syncFailureIssue API failures warn and never throw', () => {
  it('403 on create gives a warning naming `issues: write` and returns none', async () => {
    await start({ failure: 'forbidden-on-create', labels: ['websocket-health'] })
    const result = await sync(failingReport())
    expect(result.action).toBe('none')
    expect(result.issueNumber).toBeNull()
    expect(result.warning).toContain('permissions: issues: write')
    expect(result.warning).toContain('403')
    expect(result.warning).toContain('Resource not accessible by integration')
    expect(result.warning).toContain('verdict is unchanged')
    expect(logged).toContain(`warning: ${result.warning}`)
    expect(everythingEmitted()).not.toContain(TOKEN)
  })

  it('403 when creating the missing label gives the same advice', async () => {
    await start({ failure: 'forbidden-on-create' })
    const result = await sync(failingReport())
    expect(result).toMatchObject({ action: 'none', issueNumber: null })
    expect(result.warning).toContain('Could not create the label')
    expect(result.warning).toContain('issues: write')
  })

  it('403 on the comment of a later failure keeps the issue number and warns', async () => {
    await start()
    await sync(failingReport())
    fake.failure = 'forbidden-on-create'
    const result = await sync(failingReport())
    expect(result).toMatchObject({ action: 'none', issueNumber: 1 })
    expect(result.warning).toContain('Could not comment on the failure issue')
    expect(result.warning).toContain('issues: write')
    expect(fake.issues[0]!.comments).toEqual([])
  })

  it('404 gives a warning naming the repository and the token', async () => {
    await start({ failure: 'not-found' })
    const result = await sync(failingReport())
    expect(result).toMatchObject({ action: 'none', issueNumber: null })
    expect(result.warning).toContain('404')
    expect(result.warning).toContain('octo-org/octo-repo')
    expect(result.warning).toContain('`github_token`')
    expect(everythingEmitted()).not.toContain(TOKEN)
  })

  it('410 (issues disabled) says to enable Issues', async () => {
    await start({ failure: 'gone' })
    const result = await sync(passingReport())
    expect(result.action).toBe('none')
    expect(result.warning).toContain('Issues are enabled')
  })

  it('an API that never answers is cut off by timeoutMs with a warning', async () => {
    await start({ failure: 'hang' })
    const result = await sync(failingReport(), { timeoutMs: 200 })
    expect(result).toMatchObject({ action: 'none', issueNumber: null })
    expect(result.warning).toContain('Could not search for the open failure issue')
  })

  it('a bad option is a warning naming it, with no request made', async () => {
    await start()
    const result = await sync(failingReport(), { labels: ['a,b'] })
    expect(result.action).toBe('none')
    expect(result.warning).toContain('issue_labels')
    expect(fake.requests).toEqual([])
  })

  it('a missing token is a warning, with no request made', async () => {
    await start()
    const result = await sync(failingReport(), { token: '' })
    expect(result.action).toBe('none')
    expect(result.warning).toContain('github_token')
    expect(fake.requests).toEqual([])
  })
})

describe('syncFailureIssue never leaks the token or service markup', () => {
  it('scrubs the token from messages the service echoes back', async () => {
    await start()
    await sync(failingReport(`server said: bad auth ${TOKEN}`))
    await sync(failingReport(`again ${TOKEN}`))
    await sync(passingReport())
    expect(fake.issues[0]!.comments).toHaveLength(2)
    expect(everythingEmitted()).not.toContain(TOKEN)
    expect(JSON.stringify(fake.issues)).not.toContain(TOKEN)
  })

  it('escapes mentions, HTML, links and issue references in check messages', async () => {
    await start()
    const hostile =
      'ping @org/team <img src=x onerror=alert(1)> [click](javascript:alert(1)) fixes #1 ![](https://evil.example/p.png)'
    await sync(failingReport(hostile))
    await sync(failingReport(hostile))
    const texts = [fake.issues[0]!.body, fake.issues[0]!.comments[0]!.body]
    for (const text of texts) {
      expect(text).not.toContain('@org/team')
      expect(text).not.toContain('<img')
      expect(text).not.toContain('](javascript:')
      expect(text).not.toContain('[click]')
      expect(text).not.toContain('#1 ')
      expect(text).not.toContain('![](')
      expect(text).not.toContain('https://evil.example')
      // The words are still there for a reader.
      expect(text).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;')
    }
  })
})
