/** Stress mode wired into runHealthCheck: bounded, reported in JSON, console and step summary, and its effect on the verdict. */
import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createProbeProtocol } from '../../src/client/protocol.js'
import type { ConfigInput } from '../../src/config/schema.js'
import { EXIT, main } from '../../src/cli.js'
import { runHealthCheck } from '../../src/run/run.js'
import type { RunTiming } from '../../src/run/runner.js'
import { runStressPhase, stressEffect } from '../../src/engine/stress-phase.js'
import type { StressReport } from '../../src/engine/stress.js'
import { systemClock } from '../../src/metrics/clock.js'
import { renderConsole } from '../../src/report/console.js'
import { writeJsonReport } from '../../src/report/json.js'
import { toOutputs } from '../../src/report/outputs.js'
import { buildStepSummary } from '../../src/report/step-summary.js'
import { stressFromReport } from '../../src/report/stress-section.js'
import { verdictLine } from '../../src/report/verdict-line.js'
import { startReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'
import { startLoadSensitiveServer } from '../fixtures/load-servers.js'
import { startMuteServer } from '../fixtures/faulty-servers.js'
import { captureIo } from '../e2e/cli-io.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

/** Only the quick fixed-work suite, so the run's time goes to stress mode. */
function stressConfig(url: string, overrides: ConfigInput) {
  return makeConfig({
    url,
    suites: ['connection-lifecycle'],
    stressTest: true,
    openRatePerSec: 2000,
    ...overrides
  })
}

// The servers run in this process: each connection costs two descriptors.
const IN_PROCESS = { descriptorsPerConnection: 2, stepMs: 250, scenarios: false }

/** Sampling time 7.5 s: 40 % (3 s) goes to stress; small slack keeps any overrun visible. */
const TIMING: Partial<RunTiming> = {
  durationMs: 7_500,
  runSlackMs: 10_000,
  reportReserveMs: 0,
  suiteGraceMs: 8_000,
  abortGraceMs: 500
}

describe('stress mode in a run', () => {
  it('reports the stress block with steps and a verdict against the reference server, within its bound', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    const timing: Partial<RunTiming> = {
      durationMs: 1_000,
      runSlackMs: 6_000,
      reportReserveMs: 0,
      suiteGraceMs: 3_000,
      abortGraceMs: 300
    }
    const report = await runHealthCheck(
      // 20 opens per second cannot reach 400 connections in a 400 ms share: the ramp must stop, not overrun.
      stressConfig(server.url, {
        connectionCount: 4,
        maxConnections: 400,
        openRatePerSec: 20,
        // No healthy in-process echo reaches these, however busy the runner.
        thresholds: { p95LatencyMs: 5_000, p99LatencyMs: 5_000 }
      }),
      { timing, stress: { descriptorsPerConnection: 2, stepMs: 100 } }
    )
    const stress = stressFromReport(report)
    expect(stress).not.toBeNull()
    expect(stress?.steps.length).toBeGreaterThan(0)
    expect(stress?.steps[0]?.connections).toBe(4)
    expect(stress?.steps[0]?.replies).toBeGreaterThan(0)
    expect(stress?.breakingPoint).toBeNull()
    expect(stress?.verdict).toMatch(/^no breaking point up to \d+ connections/)
    // Outputs: nothing broke, and the highest step is what the ramp held.
    const maxHeld = Math.max(...(stress?.steps ?? []).map((s) => s.connections))
    expect(toOutputs(report)).toMatchObject({
      stress_breaking_point_connections: 'none',
      stress_breaking_point_msgs_per_sec: 'none',
      stress_max_connections: String(maxHeld)
    })
    expect(stress?.effect).toMatchObject({ degradesRun: false, connectionCount: 4 })
    // Stress traffic does not count in the run's metrics: only the lifecycle suite's probes do.
    // The server saw both; were stress probes counted in the run too, the sum would exceed it.
    const stressSent = (stress?.steps ?? []).reduce((n, s) => n + s.sent + (s.burst?.sent ?? 0), 0)
    expect(stressSent).toBeGreaterThan(0)
    expect(report.metrics.messagesSent + stressSent).toBeLessThanOrEqual(
      server.stats.messagesReceived
    )
    expect(report.status).toBe('passed')
  }, 20_000)

  it('reports the breaking point of a server that slows with load in the summary, the console and the JSON report', async () => {
    // 40 ms per open connection: 8 -> 320 ms leaves 160 ms for a busy runner's jitter under 480 ms.
    const server = await startLoadSensitiveServer(40)
    closers.push(() => server.close())
    const report = await runHealthCheck(
      stressConfig(server.url, {
        connectionCount: 2,
        maxConnections: 64,
        thresholds: { p95LatencyMs: 480 }
      }),
      { timing: TIMING, stress: IN_PROCESS }
    )
    // 2 -> 80 ms, 4 -> 160, 8 -> 320, 16 -> 640 ms > 480 ms.
    const stress = stressFromReport(report)
    expect(stress?.steps.map((s) => s.connections)).toEqual([2, 4, 8, 16])
    expect(stress?.breakingPoint).toMatchObject({ connections: 16, reason: 'p95', limit: 480 })
    const outputs = toOutputs(report)
    expect(outputs).toMatchObject({
      stress_breaking_point_connections: '16',
      stress_max_connections: '16'
    })
    expect(Number(outputs.stress_breaking_point_msgs_per_sec)).toBeCloseTo(
      stress?.breakingPoint?.msgsPerSec ?? NaN,
      1
    )
    // Breaking at 16 connections is above connection_count (2): information, not a verdict.
    expect(stress?.effect?.degradesRun).toBe(false)
    expect(report.suites[0]?.status).toBe('passed')
    expect(report.status).toBe('passed')

    const summary = buildStepSummary(report)
    expect(summary).toContain('> Stress: on — breaking point at 16 connections')
    expect(summary).toContain('### 🔥 Stress mode: on')
    expect(summary).toMatch(/\| 4 ❌ breaking point \| 16 \|/)
    expect(summary).toContain('Stress: p95 latency (ms) by connections')
    expect(summary).toMatch(/x-axis "connections" \[2, 4, 8, 16\]/)
    expect(summary).toContain('information only')

    const text = renderConsole(report, { color: false })
    expect(text).toContain('🔥 Stress Mode (on):')
    expect(text).toMatch(
      /Verdict: breaking point at 16 connections, [\d.]+ msgs\/s \(of 160 offered\): p95 [\d.]+ ms > 480 ms/
    )
    expect(text).toMatch(/✗ 16 /)

    const dir = await mkdtemp(join(tmpdir(), 'ws-health-stress-'))
    closers.push(() => rm(dir, { recursive: true, force: true }))
    const written = await writeJsonReport(join(dir, 'report.json'), report)
    const json = JSON.parse(await readFile(written, 'utf8')) as {
      stress: StressReport & { effect: { degradesRun: boolean } }
      config: { stressTest: boolean }
    }
    expect(json.config.stressTest).toBe(true)
    expect(json.stress.steps).toHaveLength(4)
    expect(json.stress.steps[3]).toMatchObject({ connections: 16 })
    expect(json.stress.steps[3]?.p95Ms).toBeGreaterThan(480)
    expect(json.stress.breakingPoint).toMatchObject({ connections: 16, reason: 'p95' })
    expect(json.stress.verdict).toBe(stress?.verdict)
    expect(json.stress.effect.degradesRun).toBe(false)
    expect(json.stress.limits).toMatchObject({ maxConnections: 64, p95LimitMs: 480 })
  }, 20_000)

  it('degrades a passing run when the breaking point is below connection_count', async () => {
    const server = await startLoadSensitiveServer(20)
    closers.push(() => server.close())
    // max_connections 8 < connection_count 16: the first step has 8 connections, 160 ms > 100 ms.
    const report = await runHealthCheck(
      stressConfig(server.url, {
        connectionCount: 16,
        maxConnections: 8,
        thresholds: { p95LatencyMs: 100 }
      }),
      { timing: TIMING, stress: IN_PROCESS }
    )
    expect(report.suites[0]?.status).toBe('passed')
    const stress = stressFromReport(report)
    expect(stress?.breakingPoint).toMatchObject({ connections: 8, reason: 'p95' })
    expect(stress?.effect).toMatchObject({ degradesRun: true, connectionCount: 16 })
    expect(report.status).toBe('degraded')
    expect(verdictLine(report)).toMatch(
      /^DEGRADED .*: Stress: breaking point at 8 connections.*\(below connection_count 16\)$/
    )
    expect(buildStepSummary(report)).toContain('⚠️ Effect on the verdict')
  }, 20_000)

  it('cuts stress mode at its deadline against a service that never replies, and still reports', async () => {
    const server = await startMuteServer()
    closers.push(() => server.close())
    const timing: Partial<RunTiming> = {
      durationMs: 1_000,
      runSlackMs: 5_000,
      reportReserveMs: 0,
      suiteGraceMs: 1_000,
      abortGraceMs: 300
    }
    // A 5 s p95 limit makes each stress probe wait 20 s: only the deadline (400 ms + 1 s grace) ends the phase.
    const report = await runHealthCheck(
      stressConfig(server.url, {
        connectionCount: 2,
        thresholds: { p95LatencyMs: 5_000, p99LatencyMs: 5_000 }
      }),
      { timing, stress: IN_PROCESS }
    )
    const stress = stressFromReport(report)
    expect(stress).not.toBeNull()
    // The cut step is reported with what it measured: probes sent on schedule (max_in_flight
    // 1000 over 2 connections leaves room for all), none answered.
    expect(stress?.steps).toHaveLength(1)
    expect(stress?.steps[0]).toMatchObject({ connections: 2, replies: 0, backlogged: 0 })
    expect(stress?.steps[0]?.sent).toBeGreaterThan(0)
    expect(stress?.breakingPoint?.reason).toBe('no-replies')
    expect(stress?.verdict).toMatch(
      /^breaking point at 2 connections, 0 msgs\/s \(of 20 offered\): no reply within the step/
    )
    expect(report.status).toBe('failed')
  }, 20_000)

  it('runs stress mode from the CLI with --stress and writes the block to --report', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    const dir = await mkdtemp(join(tmpdir(), 'ws-health-stress-cli-'))
    closers.push(() => rm(dir, { recursive: true, force: true }))
    const reportPath = join(dir, 'report.json')
    const io = captureIo()
    const args = ['--duration', '1', '--suites', 'connection-lifecycle', '--connections', '4']
    const code = await main(
      [
        'run',
        '--url',
        server.url,
        ...args,
        '--stress',
        '--max-connections',
        '8',
        '--report',
        reportPath
      ],
      io
    )
    expect(io.err()).toBe('')
    expect(code).toBe(EXIT.healthy)
    expect(io.out()).toContain('Stress: on — ')
    expect(io.out()).toContain('🔥 Stress Mode (on):')
    const json = JSON.parse(await readFile(reportPath, 'utf8')) as {
      stress?: {
        steps: { connections: number }[]
        verdict: string
        limits: { maxConnections: number }
      }
    }
    expect(json.stress?.limits.maxConnections).toBe(8)
    expect(json.stress?.steps[0]?.connections).toBe(4)
    expect(json.stress?.verdict).toMatch(/^no breaking point up to \d+ connections/)
  }, 20_000)

  it('leaves the report without a stress block when stress mode is off', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    const report = await runHealthCheck(
      makeConfig({ url: server.url, suites: ['connection-lifecycle'] }),
      { timing: { durationMs: 500 } }
    )
    expect(report.stress).toBeUndefined()
    expect(buildStepSummary(report)).not.toContain('Stress')
    expect(renderConsole(report, { color: false })).not.toContain('Stress')
  }, 20_000)

  it('does not start stress mode when the run has no time left for it, and says so', async () => {
    const config = makeConfig({ url: 'ws://127.0.0.1:9/ws', stressTest: true })
    const phase = await runStressPhase({
      config,
      url: 'ws://127.0.0.1:9/ws',
      protocol: createProbeProtocol(config),
      clock: systemClock,
      budgetMs: 24_000,
      endByMs: systemClock.nowMs() + 1_000,
      graceMs: 5_000
    })
    expect(phase.block.steps).toEqual([])
    expect(phase.block.verdict).toMatch(/^stress mode not run: only \d+ ms were left/)
    expect(phase.effect.degradesRun).toBe(false)
  })

  it('judges the breaking point against connection_count', () => {
    const base: StressReport = {
      steps: [],
      breakingPoint: null,
      verdict: '',
      limits: {
        maxConnections: 100,
        fdSoftLimit: 1024,
        fdSource: 'proc',
        fdBudget: 800,
        plannedMax: 100,
        p95LimitMs: 500,
        errorRateLimit: 0.05
      },
      stoppedAt: null,
      degradation: { overTime: null, againstLoad: null },
      scenarios: {}
    }
    const at = (connections: number): StressReport => ({
      ...base,
      breakingPoint: {
        connections,
        msgsPerSec: 10,
        reason: 'error-rate',
        p95Ms: 5,
        errorRate: 0.5,
        limit: 0.05
      }
    })
    expect(stressEffect(base, 10).degradesRun).toBe(false)
    expect(stressEffect(at(10), 10).degradesRun).toBe(false)
    expect(stressEffect(at(9), 10).degradesRun).toBe(true)
    expect(stressEffect(at(0), 10).note).toContain('below connection_count (10)')
  })
})
