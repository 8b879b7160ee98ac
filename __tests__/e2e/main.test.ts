/**
 * The action's glue in-process: src/main.ts run() with @actions/core stubbed
 * (__fixtures__/core.ts reads INPUT_* like the real one), real config
 * loading, the real engine and real sockets on 127.0.0.1.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '../../__fixtures__/core.js'
import { closedPortUrl } from '../fixtures/ws-server.js'
import { startBlockingEcho } from '../fixtures/blocking-echo.js'
import { expectReportContract } from '../fixtures/report-contract.js'

jest.unstable_mockModule('@actions/core', () => core)

const { run, defaultReportPath } = await import('../../src/main.js')
const { startReferenceServer } = await import('../../src/server/reference-server.js')

const QUICK_INPUTS = { duration: '1', suites: 'connection-lifecycle,message-delivery' }
const saved = { ...process.env }
let dir = ''

function setInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs)) {
    process.env[`INPUT_${name.toUpperCase()}`] = value
  }
}

function outputs(): Record<string, string> {
  return Object.fromEntries(core.setOutput.mock.calls.map(([name, value]) => [name, String(value)]))
}

beforeEach(async () => {
  core.resetCoreFixture()
  dir = await mkdtemp(join(tmpdir(), 'wsh-main-'))
  // Only the inputs a test sets; no seed variables from the machine.
  for (const name of Object.keys(process.env)) {
    if (
      name.startsWith('INPUT_') ||
      /^(TEST_DURATION|CONNECTION_COUNT|CHAOS_MODE|STRESS_TEST)$/.test(name)
    ) {
      delete process.env[name]
    }
  }
  process.env.RUNNER_TEMP = dir
})

afterEach(async () => {
  process.env = { ...saved }
  await rm(dir, { recursive: true, force: true })
})

describe('run (action glue)', () => {
  it('validates a healthy service: outputs, JSON report, summary, no failure', async () => {
    const server = await startReferenceServer()
    try {
      setInputs({ url: server.url, ...QUICK_INPUTS })
      await run()
    } finally {
      await server.close()
    }
    expect(core.setFailed).not.toHaveBeenCalled()
    const set = outputs()
    expect(set.status).toBe('passed')
    expect(Number(set.health_score)).toBeGreaterThan(0)
    // Only connection-lifecycle ran: the headline latency is latency-performance's, so none.
    expect(set.p95_latency_ms).toBe('n/a')
    expect(set.connection_lifecycle_status).toBe('passed')
    expect(set.self_healing_status).toBe('not-run')
    expect(set.report_path).toBe(defaultReportPath())
    expectReportContract(
      JSON.parse(await readFile(set.report_path, 'utf8')) as Record<string, unknown>
    )
    expect(core.summaryWrites).toHaveLength(1)
    expect(core.summaryWrites[0]).toContain('<details><summary>✅ Connection Lifecycle: PASSED')
    expect(core.summaryWrites[0]).toContain('| Check | Value | Threshold | Status | Details |')
  })

  it('warns in an annotation and the summary when the tool itself was delayed', async () => {
    // The echo server shares this process: its 150 ms blocks delay the tool while it measures.
    const server = await startBlockingEcho(150)
    try {
      setInputs({ url: server.url, duration: '1', suites: 'latency-performance' })
      await run()
    } finally {
      await server.close()
    }
    const warnings = core.warning.mock.calls.map(([message]) => String(message))
    const lag = warnings.filter((message) => message.includes('The tool itself was delayed up to'))
    expect(lag).toHaveLength(1)
    expect(lag[0]).toContain('the latency figures include it')
    expect(Number(outputs().tool_lag_p99_ms)).toBeGreaterThan(5)
    expect(core.summaryWrites[0]).toContain('> The tool itself was delayed up to')
  })

  it('fails the step once with the reason for an unreachable service, and still writes the summary', async () => {
    setInputs({ url: await closedPortUrl(), ...QUICK_INPUTS, report_path: join(dir, 'r.json') })
    await run()
    expect(core.setFailed).toHaveBeenCalledTimes(1)
    expect(String(core.setFailed.mock.calls[0]?.[0])).toMatch(/FAILED.*refused.*fail_on: failed/)
    expect(outputs().status).toBe('failed')
    expect(outputs().avg_latency_ms).toBe('n/a')
    expect(outputs().report_path).toBe(join(dir, 'r.json'))
    expect(core.summaryWrites[0]).toContain('### ❌ Connection Lifecycle: FAILED')
  })

  it('does not fail the step when fail_on is never', async () => {
    setInputs({ url: await closedPortUrl(), ...QUICK_INPUTS, fail_on: 'never' })
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(outputs().status).toBe('failed')
  })

  it('reports a configuration error on the step and in a short summary', async () => {
    setInputs({ url: 'ws://127.0.0.1:1/ws', duration: 'ten' })
    await run()
    expect(core.setFailed).toHaveBeenCalledTimes(1)
    const message = String(core.setFailed.mock.calls[0]?.[0])
    expect(message).toMatch(/duration.*"ten"/)
    expect(core.setOutput).not.toHaveBeenCalled()
    expect(core.summaryWrites[0]).toContain('The run did not start')
    expect(core.summaryWrites[0]).toContain('"ten"')
  })

  it('fails the step on an input that moved to the config file, naming its key', async () => {
    setInputs({ url: 'ws://127.0.0.1:1/ws', duration: '1', handshake_timeout_ms: '5000' })
    await run()
    expect(core.setFailed).toHaveBeenCalledTimes(1)
    expect(String(core.setFailed.mock.calls[0]?.[0])).toContain(
      'handshake_timeout_ms is no longer an action input; set it in the config file as handshake_timeout_ms'
    )
    expect(core.setOutput).not.toHaveBeenCalled()
  })

  it('without a url discovers in GITHUB_WORKSPACE and fails listing what was tried, never a pass', async () => {
    process.env.GITHUB_WORKSPACE = dir
    setInputs(QUICK_INPUTS)
    await run()
    expect(core.setFailed).toHaveBeenCalledTimes(1)
    expect(String(core.setFailed.mock.calls[0]?.[0])).toContain('no WebSocket endpoint discovered')
    // Later steps see the failure: status failed, suites not run, metrics not measured.
    expect(outputs()).toMatchObject({
      status: 'failed',
      health_score: 'n/a',
      p95_latency_ms: 'n/a',
      predictive_alert: 'false',
      connection_lifecycle_status: 'not-run',
      latency_performance_status: 'not-run'
    })
    expect(core.summaryWrites[0]).toContain('### 🔎 Endpoint discovery')
    expect(core.summaryWrites[0]).toContain('**No WebSocket endpoint found**')
  })

  it('never prints the github token', async () => {
    const token = 'ghp_supersecret1234567890'
    setInputs({ url: await closedPortUrl(), ...QUICK_INPUTS, github_token: token })
    await run()
    const printed = [
      ...core.info.mock.calls,
      ...core.warning.mock.calls,
      ...core.setFailed.mock.calls,
      ...core.setOutput.mock.calls
    ]
      .flat()
      .map(String)
      .join('\n')
    expect(printed).not.toContain(token)
    expect(core.summaryWrites.join('\n')).not.toContain(token)
    const report = await readFile(defaultReportPath(), 'utf8')
    expect(report).not.toContain(token)
  })
})
