/**
 * The action's discovery and history wiring in-process: src/main.ts run()
 * with @actions/core stubbed, real config loading, real sockets on 127.0.0.1.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '../../__fixtures__/core.js'
import { toHistoryRecord } from '../../src/history/record.js'
import { closedPort, copyFixture, removeDir } from '../discovery/fixture-repos.js'
import { makeReport, makeRunMetrics } from '../fixtures/reports.js'
import { startDelayServer, type DelayServer } from '../history/delay-server.js'
import { startFakeContentsApi } from '../history/fake-contents-api.js'
import { startFakeGitHub } from '../fixtures/fake-github.js'

jest.unstable_mockModule('@actions/core', () => core)

const { run } = await import('../../src/main.js')
const { startReferenceServer } = await import('../../src/server/reference-server.js')

const saved = { ...process.env }
let dir = ''
const cleanups: Array<() => Promise<void>> = []

function setInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs)) {
    process.env[`INPUT_${name.toUpperCase()}`] = value
  }
}

/** A config file in the test's temp dir holding `settings`, for settings that are not inputs. */
async function configFile(settings: Record<string, unknown>): Promise<string> {
  const path = join(dir, 'websocket-test-config.json')
  await writeFile(path, JSON.stringify(settings))
  return path
}

function outputs(): Record<string, string> {
  return Object.fromEntries(core.setOutput.mock.calls.map(([name, value]) => [name, String(value)]))
}

function annotations(fn: typeof core.warning): string[] {
  return fn.mock.calls.map(([message]) => String(message))
}

beforeEach(async () => {
  core.resetCoreFixture()
  dir = await mkdtemp(join(tmpdir(), 'wsh-action-extras-'))
  for (const name of Object.keys(process.env)) {
    if (
      name.startsWith('INPUT_') ||
      name.startsWith('GITHUB_') ||
      /^(TEST_DURATION|CONNECTION_COUNT|CHAOS_MODE|STRESS_TEST|PORT|WS_PORT|BACKEND_PORT|WS_ROUTER_PORT|FRONTEND_PORT)$/.test(
        name
      )
    ) {
      delete process.env[name]
    }
  }
  process.env.RUNNER_TEMP = dir
})

afterEach(async () => {
  process.env = { ...saved }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  await rm(dir, { recursive: true, force: true })
})

/** Five earlier hourly runs against `target` whose p95 climbs 10 ms per run. */
async function seedHistory(file: string, target: string, p95s: number[]): Promise<void> {
  const base = makeRunMetrics()
  const lines = p95s.map((p95, run) =>
    JSON.stringify(
      toHistoryRecord(
        makeReport({
          target,
          startedAt: new Date(Date.UTC(2026, 10, 1, run)).toISOString(),
          metrics: { ...base, latencyMs: { ...base.latencyMs, p50: p95 - 2, p95, p99: p95 + 2 } }
        }),
        { runId: run }
      )
    )
  )
  await writeFile(file, `${lines.join('\n')}\n`)
}

describe('action: history_file', () => {
  it('predicts the p95 crossing: warning annotation, predictive_alert output, Trends section', async () => {
    const server: DelayServer = await startDelayServer(60)
    cleanups.push(() => server.close())
    const history = join(dir, 'history.jsonl')
    await seedHistory(history, server.url, [10, 20, 30, 40, 50])
    setInputs({
      url: server.url,
      suites: 'latency-performance',
      duration: '1',
      p50_latency_ms: '100',
      p95_latency_ms: '100',
      history_file: history,
      // Closed loop: the seeded trend is of sequential round trips, steady on a busy machine.
      config: await configFile({ latency_mode: 'closed' })
    })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    const set = outputs()
    expect(set.predictive_alert).toBe('true')
    const warned = annotations(core.warning)
    expect(
      warned.some((text) => /^predicted: p95 latency rising .*crosses 100 ms/.test(text))
    ).toBe(true)
    const summary = core.summaryWrites[0] ?? ''
    expect(summary).toContain('### 📈 Trends')
    expect(summary).toContain('_5 previous run(s) of this target in the history._')
    expect(summary).toContain('xychart-beta')
    expect(summary).toContain('title "p95 latency (ms), last 6 runs"')
    expect(summary).toContain('**Predictions**')
    // The run was appended, and the JSON report carries the trend block.
    expect((await readFile(history, 'utf8')).trim().split('\n')).toHaveLength(6)
    const report = JSON.parse(await readFile(set.report_path!, 'utf8')) as {
      trend: { historySize: number; predictions: { metric: string }[] }
    }
    expect(report.trend.historySize).toBe(5)
    expect(report.trend.predictions.map((p) => p.metric)).toContain('p95LatencyMs')
  }, 20_000)

  it('a history that cannot be read is a warning and never changes the verdict', async () => {
    const server = await startReferenceServer()
    cleanups.push(() => server.close())
    const history = join(dir, 'a-directory')
    await mkdir(history)
    setInputs({
      url: server.url,
      suites: 'connection-lifecycle',
      duration: '1',
      history_file: history
    })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(outputs().status).toBe('passed')
    expect(outputs().predictive_alert).toBe('false')
    expect(annotations(core.warning).some((text) => text.includes('could not be read'))).toBe(true)
    expect(core.summaryWrites[0]).not.toContain('### 📈 Trends')
  })

  it('history_branch outside Actions (no GITHUB_REPOSITORY) warns and skips history', async () => {
    const server = await startReferenceServer()
    cleanups.push(() => server.close())
    setInputs({
      url: server.url,
      suites: 'connection-lifecycle',
      duration: '1',
      history_branch: 'ws-health-data'
    })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(outputs().predictive_alert).toBe('false')
    expect(annotations(core.warning).some((text) => text.includes('GITHUB_REPOSITORY'))).toBe(true)
  })
})

describe('action: history_branch', () => {
  const TOKEN = 'ghs_branchHistoryToken1234567890'

  it('keeps the history in a branch through the contents API across runs', async () => {
    const api = await startFakeContentsApi()
    cleanups.push(() => api.close())
    const server = await startReferenceServer()
    cleanups.push(() => server.close())
    process.env.GITHUB_REPOSITORY = `${api.owner}/${api.repo}`
    process.env.GITHUB_API_URL = api.url
    process.env.GITHUB_SHA = 'abc123'
    setInputs({
      url: server.url,
      suites: 'connection-lifecycle',
      duration: '1',
      history_branch: 'ws-health-data',
      config: await configFile({ history_keep: 5 }),
      github_token: TOKEN,
      create_issue: 'false'
    })
    await run()
    core.resetCoreFixture()
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(outputs().predictive_alert).toBe('false')
    const text = api.files.get('ws-health-data')?.get('ws-health/history.jsonl') ?? ''
    const records = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { commit: string; target: string })
    expect(records).toHaveLength(2)
    expect(records[1]).toMatchObject({ commit: 'abc123', target: server.url })
    expect(core.summaryWrites[0]).toContain('_1 previous run(s) of this target in the history._')
    // Non-empty first: an every()/loop over nothing would pass vacuously.
    expect(api.requests.length).toBeGreaterThan(0)
    expect(api.requests.every((request) => request.authorization?.includes(TOKEN))).toBe(true)
  })

  it('a 403 from the contents API is a warning naming the permission, never the token', async () => {
    const api = await startFakeContentsApi()
    cleanups.push(() => api.close())
    api.failPutWith = 403
    const server = await startReferenceServer()
    cleanups.push(() => server.close())
    process.env.GITHUB_REPOSITORY = `${api.owner}/${api.repo}`
    process.env.GITHUB_API_URL = api.url
    setInputs({
      url: server.url,
      suites: 'connection-lifecycle',
      duration: '1',
      history_branch: 'ws-health-data',
      github_token: TOKEN,
      create_issue: 'false'
    })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(outputs().status).toBe('passed')
    const warned = annotations(core.warning)
    expect(
      warned.some((text) => /could not be written.*HTTP 403.*contents: write/.test(text))
    ).toBe(true)
    const printed = [...warned, ...core.info.mock.calls.map(([m]) => String(m))].join('\n')
    expect(printed).not.toContain(TOKEN)
    expect(core.summaryWrites[0]).not.toContain(TOKEN)
  })
})

describe('action: no url', () => {
  it('discovers the service in GITHUB_WORKSPACE and reports the discovery in the summary', async () => {
    const server = await startReferenceServer()
    cleanups.push(() => server.close())
    const [closed, frontend] = [await closedPort(), await closedPort()]
    const port = Number(new URL(server.url).port)
    const repo = await copyFixture('live', {
      __WS_PORT__: port,
      __HTTP_PORT__: frontend,
      __CLOSED_PORT__: closed
    })
    cleanups.push(() => removeDir(repo))
    process.env.GITHUB_WORKSPACE = repo
    setInputs({
      suites: 'connection-lifecycle',
      duration: '1',
      config: await configFile({ discovery_timeout_ms: 500 })
    })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(outputs().status).toBe('passed')
    const summary = core.summaryWrites[0] ?? ''
    expect(summary).toContain('### 🔎 Endpoint discovery')
    expect(summary).toContain(`Chosen \`ws://127.0.0.1:${port}/ws/unified\``)
    expect(summary).toContain(
      `/ws/unified\` | docker-compose.yml services.ws-router.ports[0] | ✅ HTTP 101: WebSocket upgrade accepted **(chosen)** |`
    )
    expect(summary).toContain(`| \`ws://127.0.0.1:${closed}\` | .env:1 | ❌ connection refused |`)
  })

  it('annotates malformed project files with file and line', async () => {
    const server = await startReferenceServer()
    cleanups.push(() => server.close())
    const repo = await copyFixture('malformed')
    cleanups.push(() => removeDir(repo))
    process.env.GITHUB_WORKSPACE = repo
    process.env.WS_PORT = new URL(server.url).port
    setInputs({ suites: 'connection-lifecycle', duration: '1' })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    const calls = core.warning.mock.calls.filter(
      ([, props]) => (props as { title?: string } | undefined)?.title === 'ws-health discovery'
    )
    expect(calls.length).toBeGreaterThan(0)
    const compose = calls.find(([, props]) => (props as { file?: string }).file === 'compose.yaml')
    expect(compose?.[1]).toMatchObject({ startLine: expect.any(Number) })
    expect(String(compose?.[0])).toMatch(/^compose\.yaml:\d+: /)
  })
})

describe('action: alert_issue', () => {
  it('a passing run with a prediction opens one predicted-problem issue; a repeat stays quiet', async () => {
    const server: DelayServer = await startDelayServer(60)
    cleanups.push(() => server.close())
    const github = await startFakeGitHub()
    cleanups.push(() => github.close())
    const history = join(dir, 'history.jsonl')
    await seedHistory(history, server.url, [10, 20, 30, 40, 50])
    process.env.GITHUB_REPOSITORY = 'octo-org/octo-repo'
    process.env.GITHUB_API_URL = github.url
    process.env.GITHUB_WORKFLOW = 'ws health'
    process.env.GITHUB_RUN_ID = '4242'
    setInputs({
      url: server.url,
      suites: 'latency-performance',
      duration: '1',
      p50_latency_ms: '100',
      p95_latency_ms: '100',
      history_file: history,
      // Closed loop: the seeded trend is of sequential round trips, steady on a busy machine.
      config: await configFile({ alert_issue: true, latency_mode: 'closed' }),
      github_token: 'ghs_FAKEtoken0123456789abcdefSECRET42'
    })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(outputs().predictive_alert).toBe('true')
    expect(outputs().issue_number).toBe('1')
    expect(github.issues).toHaveLength(1)
    const issue = github.issues[0]!
    expect(issue.title).toContain('WebSocket health predicted problem')
    expect(issue.labels).toContain('websocket-health-prediction')
    expect(issue.body).toMatch(/predicted: p95 latency rising .*crosses 100 ms/)
    expect(issue.body).toContain('run=4242')
    expect(core.summaryWrites[0] ?? '').toContain('**Predicted-problem issue:** [#1](')

    // The next run predicts the same metric: no new issue, and no comment repeating alerts
    // already posted. Its regressions are measured on real runs, so a different regression set
    // may legitimately be posted once; such a comment must carry an alert the body did not.
    core.resetCoreFixture()
    process.env.GITHUB_RUN_ID = '4243'
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(github.issues).toHaveLength(1)
    expect(github.issues[0]!.state).toBe('open')
    const alertsIn = (text: string): string[] =>
      /<!-- ws-health:alert alerts=(\S*)/.exec(text)?.[1]?.split(',') ?? []
    const posted = alertsIn(github.issues[0]!.body)
    expect(posted).toContain('prediction:p95LatencyMs')
    const comments = github.issues[0]!.comments
    expect(comments.length).toBeLessThanOrEqual(1)
    for (const comment of comments) {
      expect(alertsIn(comment.body).some((alert) => !posted.includes(alert))).toBe(true)
    }
  }, 30_000)
})
