/**
 * Predictive alerts in the failure-issue thread (src/github/alert-issue.ts)
 * against the fake GitHub API over real HTTP: a sequence of runs against one
 * fake behaves like a sequence of runs against one repository.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import {
  startFakeGitHub,
  type FakeGitHub,
  type FakeGitHubOptions
} from '../fixtures/fake-github.js'
import { syncAlertIssue, type SyncAlertIssueOptions } from '../../src/github/alert-issue.js'
import {
  alertMarker,
  isOwnComment,
  issueAlerts,
  parseAlertMarker
} from '../../src/github/alert-issue-body.js'
import { syncFailureIssue } from '../../src/github/issue-lifecycle.js'
import { issueKey, keyMarker } from '../../src/github/issue-marker.js'
import { alertIssueApplies, syncRunIssue } from '../../src/github/action-issue.js'
import { loadConfig } from '../../src/config/load.js'
import type { RunReport } from '../../src/engine/model.js'
import type { Regression } from '../../src/history/baseline.js'
import type { Prediction } from '../../src/history/predict.js'
import type { TrendReport } from '../../src/history/trend.js'
import { failingReport, passingReport } from './report-builder.js'
import { makeConfig } from '../fixtures/builders.js'

const TOKEN = 'ghs_FAKEtoken0123456789abcdefSECRET42'
const WORKFLOW = 'WebSocket Health Validation'
const DEFAULTS = makeConfig()
const REPO = { owner: 'octo-org', repo: 'octo-repo' }

let fake: FakeGitHub | undefined
let logged: string[]

async function start(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  fake = await startFakeGitHub(options)
  return fake
}

function prediction(overrides: Partial<Prediction> = {}): Prediction {
  return {
    kind: 'prediction',
    metric: 'p95LatencyMs',
    severity: 'warning',
    direction: 'up-is-bad',
    slopePerRun: 12,
    slopePerDay: 24,
    current: 428,
    threshold: 500,
    runsToCross: 6,
    daysToCross: 3,
    r2: 0.94,
    points: 10,
    ...overrides
  }
}

function regression(overrides: Partial<Regression> = {}): Regression {
  return {
    kind: 'regression',
    metric: 'p99LatencyMs',
    severity: 'warning',
    direction: 'up-is-bad',
    current: 640,
    median: 410,
    mad: 8,
    n: 10,
    lower: 386,
    upper: 434,
    relativeChange: 0.56,
    ...overrides
  }
}

/** A trend built directly: its alerts follow from the predictions and regressions given. */
function trendOf(predictions: Prediction[], regressions: Regression[] = []): TrendReport {
  return {
    historySize: 9,
    baseline: {},
    regressions,
    predictions,
    recovery: null,
    alerts: [
      ...regressions.map((r) => ({ kind: r.kind, severity: r.severity, metric: r.metric })),
      ...predictions.map((p) => ({ kind: p.kind, severity: p.severity, metric: p.metric }))
    ],
    series: {
      times: [],
      statuses: [],
      metrics: {
        p50LatencyMs: [],
        p95LatencyMs: [],
        p99LatencyMs: [],
        successRate: [],
        healthScore: []
      }
    }
  }
}

function sync(
  report: RunReport,
  trend: TrendReport | null,
  overrides: Partial<SyncAlertIssueOptions> = {}
): ReturnType<typeof syncAlertIssue> {
  if (!fake) throw new Error('start the fake first')
  return syncAlertIssue({
    report,
    trend,
    token: TOKEN,
    apiUrl: fake.url,
    repo: REPO,
    workflow: WORKFLOW,
    // A default config's issue settings (the thread has no defaults of its own).
    issueOn: DEFAULTS.issueOn,
    labels: DEFAULTS.issueLabels,
    predictionLabel: DEFAULTS.alertIssueLabel,
    runUrl: 'https://github.com/octo-org/octo-repo/actions/runs/2001',
    runId: '2001',
    branch: 'main',
    commit: 'abc1234def5678',
    log: { info: (m) => logged.push(`info: ${m}`), warning: (m) => logged.push(`warning: ${m}`) },
    ...overrides
  })
}

function comments(f: FakeGitHub): string[] {
  return f.issues.flatMap((issue) => issue.comments.map((c) => c.body))
}

beforeEach(() => {
  logged = []
})

afterEach(async () => {
  await fake?.close()
  fake = undefined
})

describe('syncAlertIssue', () => {
  it('a prediction with no open issue opens one predicted-problem issue with the figures', async () => {
    const f = await start()
    const result = await sync(passingReport(), trendOf([prediction()]))

    expect(result).toEqual({
      issueNumber: 1,
      action: 'created',
      issueUrl: 'https://github.com/octo-org/octo-repo/issues/1'
    })
    expect(f.issues).toHaveLength(1)
    const issue = f.issues[0]!
    expect(issue.title).toContain('WebSocket health predicted problem')
    expect(issue.labels).toEqual(['websocket-health', 'websocket-health-prediction'])
    expect(issue.body).toContain(keyMarker(issueKey(WORKFLOW, passingReport().target)))
    expect(issue.body).toContain(
      'predicted: p95 latency rising 12 ms/run; crosses 500 ms in about 6 runs (about 3 days); r² 0.94 over 10 runs'
    )
    // The figures table: current, threshold, slope, runs and days to cross, r², points.
    expect(issue.body).toContain(
      '| p95 latency | 428 ms | 500 ms | 12 ms/run | 6 | 3 | 0.94 | 10 |'
    )
    expect(issue.body).toContain('run=2001')
    expect(f.labels.has('websocket-health-prediction')).toBe(true)
  })

  it('two runs predicting at once end with one open issue: the newer closes as a duplicate and its alert lands on the older', async () => {
    const f = await start()
    const key = issueKey(WORKFLOW, passingReport().target)
    // A concurrent run's issue that this run's first search does not see yet.
    const older = f.addIssue({
      title: 'older',
      body: keyMarker(key),
      labels: ['websocket-health'],
      hiddenFromSearches: 1
    })

    const result = await sync(passingReport(), trendOf([prediction()]))

    // The older issue did not carry this alert yet, so it is posted there, as a failure would be.
    expect(result).toEqual({
      issueNumber: older.number,
      action: 'commented',
      issueUrl: `https://github.com/octo-org/octo-repo/issues/${older.number}`
    })
    expect(older.comments.map((c) => c.body).join('\n')).toContain('p95 latency rising 12 ms/run')
    const duplicate = f.issues.find((i) => i.number !== older.number)!
    expect(duplicate.state).toBe('closed')
    expect(duplicate.stateReason).toBe('not_planned')
    expect(duplicate.comments.map((c) => c.body).join('\n')).toContain(`#${older.number}`)
    expect(f.issues.filter((i) => i.state === 'open')).toEqual([older])
    expect(logged.join('\n')).toContain(`in favour of #${older.number}`)
  })

  it('the same prediction on the next run adds no comment; a new metric adds exactly one', async () => {
    const f = await start()
    await sync(passingReport(), trendOf([prediction()]))
    const again = await sync(
      passingReport(),
      trendOf([prediction({ current: 440, runsToCross: 5 })]),
      {
        runId: '2002'
      }
    )
    expect(again.action).toBe('none')
    expect(again.issueNumber).toBe(1)
    expect(comments(f)).toHaveLength(0)
    expect(logged.some((m) => m.includes('already reported'))).toBe(true)

    const other = await sync(
      passingReport(),
      trendOf([
        prediction(),
        prediction({
          metric: 'successRate',
          severity: 'critical',
          direction: 'down-is-bad',
          slopePerRun: -0.01,
          current: 0.97,
          threshold: 0.95,
          runsToCross: 2,
          daysToCross: null
        })
      ]),
      { runId: '2003' }
    )
    expect(other.action).toBe('commented')
    expect(f.issues).toHaveLength(1)
    const posted = comments(f)
    expect(posted).toHaveLength(1)
    expect(posted[0]).toContain('### ⚠️ Predictive alert')
    expect(posted[0]).toContain(
      'predicted: success rate falling 1%/run; crosses 95% in about 2 runs'
    )
    expect(posted[0]).toContain('alerts=prediction:p95LatencyMs,prediction:successRate run=2003')

    // Both metrics already said in the last comment: quiet again.
    const quiet = await sync(
      passingReport(),
      trendOf([
        prediction({
          metric: 'successRate',
          severity: 'critical',
          direction: 'down-is-bad',
          slopePerRun: -0.01,
          current: 0.96,
          threshold: 0.95,
          runsToCross: 1,
          daysToCross: null
        })
      ]),
      { runId: '2004' }
    )
    expect(quiet.action).toBe('none')
    expect(comments(f)).toHaveLength(1)
  })

  it('a regression is posted with its baseline figures', async () => {
    const f = await start()
    await sync(passingReport(), trendOf([], [regression()]))
    expect(f.issues[0]!.body).toContain('regression: p99 latency 640 ms vs baseline 410 ms')
    expect(f.issues[0]!.body).toContain(
      '| p99 latency | 640 ms | 410 ms | 386 ms – 434 ms | +56% | 10 |'
    )
  })

  it('a later failing run reuses the issue; after it, the same prediction is posted again once', async () => {
    const f = await start()
    await sync(passingReport(), trendOf([prediction()]))
    const failed = await syncFailureIssue({
      report: failingReport(),
      token: TOKEN,
      apiUrl: f.url,
      repo: REPO,
      workflow: WORKFLOW,
      issueOn: DEFAULTS.issueOn,
      labels: DEFAULTS.issueLabels,
      log: { info: () => {}, warning: (m) => logged.push(`warning: ${m}`) }
    })
    expect(failed).toMatchObject({ issueNumber: 1, action: 'commented' })
    expect(f.issues).toHaveLength(1)
    expect(comments(f)).toHaveLength(1)
    expect(comments(f)[0]).toContain('Still failing')

    // ws-health's last word was the failure, so the alert is news again.
    const alert = await sync(passingReport({ status: 'degraded' }), trendOf([prediction()]), {
      runId: '2005'
    })
    expect(alert.action).toBe('commented')
    expect(comments(f)).toHaveLength(2)
  })

  it('a failing run is left to the failure lifecycle (no request at all)', async () => {
    const f = await start()
    const result = await sync(failingReport(), trendOf([prediction()]))
    expect(result).toEqual({ issueNumber: null, action: 'none' })
    expect(f.requests).toHaveLength(0)
  })

  it('a passing run without alerts closes the issue as a recovery; without an issue it only searches', async () => {
    const f = await start()
    await sync(passingReport(), trendOf([prediction()]))
    const closed = await sync(passingReport(), trendOf([]), { runId: '2006' })
    expect(closed).toMatchObject({ issueNumber: 1, action: 'closed' })
    expect(f.issues[0]!.state).toBe('closed')
    expect(f.issues[0]!.stateReason).toBe('completed')
    expect(comments(f).at(-1)).toContain('### ✅ Recovered')

    const before = f.requests.length
    const none = await sync(passingReport(), trendOf([]), { runId: '2007' })
    expect(none).toEqual({ issueNumber: null, action: 'none' })
    // Non-empty first: an every()/loop over nothing would pass vacuously.
    expect(f.requests.slice(before).length).toBeGreaterThan(0)
    expect(f.requests.slice(before).every((r) => r.method === 'GET')).toBe(true)
  })

  it('403 is a warning naming `issues: write`; the token appears nowhere', async () => {
    const f = await start({ failure: 'forbidden-on-create', labels: ['websocket-health'] })
    const result = await sync(passingReport(), trendOf([prediction()]))
    expect(result.action).toBe('none')
    expect(result.issueNumber).toBeNull()
    expect(result.warning).toContain('403')
    expect(result.warning).toContain('issues: write')
    expect(result.warning).toContain('The health verdict is unchanged.')
    expect(logged.filter((m) => m.startsWith('warning:'))).toHaveLength(1)
    const emitted = [...logged, ...f.requests.map((r) => JSON.stringify(r.body) + r.path)].join(
      '\n'
    )
    expect(emitted).not.toContain(TOKEN)
    expect(f.issues).toHaveLength(0)
  })

  it('404 is a warning naming the repository', async () => {
    await start({ failure: 'not-found' })
    const result = await sync(passingReport(), trendOf([prediction()]))
    expect(result.warning).toContain('404')
    expect(result.warning).toContain('octo-org/octo-repo')
  })
})

describe('alert markers', () => {
  it('records and parses the alert list and run; recognises ws-health comments', () => {
    const alerts = issueAlerts(trendOf([prediction()], [regression()]))
    const marker = alertMarker(alerts, '77')
    expect(parseAlertMarker(`text\n${marker}`)).toEqual({
      alerts: ['prediction:p95LatencyMs', 'regression:p99LatencyMs'],
      run: '77'
    })
    expect(parseAlertMarker('no marker')).toBeNull()
    expect(isOwnComment('### ❌ Still failing\n')).toBe(true)
    expect(isOwnComment('a human comment')).toBe(false)
    expect(issueAlerts(null)).toEqual([])
  })
})

describe('syncRunIssue (the action glue)', () => {
  const env = (url: string): Record<string, string> => ({
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_API_URL: url,
    GITHUB_WORKFLOW: WORKFLOW,
    GITHUB_RUN_ID: '3001'
  })

  it('alert_issue false sends no request for a passing run with a prediction', async () => {
    const f = await start()
    const config = loadConfig({
      inputs: { url: 'ws://127.0.0.1:1/', createIssue: 'false', githubToken: TOKEN }
    })
    expect(config.alertIssue).toBe(false)
    const result = await syncRunIssue({
      config,
      report: passingReport(),
      trend: trendOf([prediction()]),
      env: env(f.url),
      log: { info: () => {}, warning: (m) => logged.push(m) }
    })
    expect(result).toBeNull()
    expect(f.requests).toHaveLength(0)
  })

  it('alert_issue true routes a passing run with a prediction to the alert thread', async () => {
    const f = await start()
    const config = loadConfig({
      inputs: { url: 'ws://127.0.0.1:1/', alertIssue: 'true', githubToken: TOKEN }
    })
    expect(alertIssueApplies(config, { status: 'passed' })).toBe(true)
    expect(alertIssueApplies(config, { status: 'failed' })).toBe(false)
    // A regression gate failed the step: the failure issue's, whatever the verdict says.
    const regressed = { thresholdMisses: [], regressions: [{ metric: 'p95LatencyMs' }] }
    expect(alertIssueApplies(config, { status: 'passed', gate: regressed as never })).toBe(false)
    const result = await syncRunIssue({
      config,
      report: passingReport(),
      trend: trendOf([prediction()]),
      env: env(f.url),
      log: { info: () => {}, warning: (m) => logged.push(m) }
    })
    expect(result).toMatchObject({ issueNumber: 1, action: 'created' })
    expect(f.issues[0]!.body).toContain('run=3001')
  })

  it('alert_issue_label names the extra label of an issue an alert opens; a bad one is a config error', async () => {
    const f = await start()
    const config = loadConfig({
      inputs: {
        url: 'ws://127.0.0.1:1/',
        alertIssue: 'true',
        alertIssueLabel: 'ws-forecast',
        githubToken: TOKEN
      }
    })
    await syncRunIssue({
      config,
      report: passingReport(),
      trend: trendOf([prediction()]),
      env: env(f.url),
      log: { info: () => {}, warning: (m) => logged.push(m) }
    })
    expect(f.issues[0]!.labels).toEqual(['websocket-health', 'ws-forecast'])
    expect(() =>
      loadConfig({ inputs: { url: 'ws://127.0.0.1:1/', alertIssueLabel: 'x'.repeat(51) } })
    ).toThrow(/alert_issue_label/)
  })
})
