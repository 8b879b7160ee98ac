/**
 * The tool watching itself (issue 16 section 2): its own event-loop lag and
 * CPU use in the report, the warning when the lag is large next to the
 * latency, and latency checks that missed by less than the lag reported as
 * inconclusive. Over real sockets; the loop is blocked by bounded busy loops.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { runHealthCheck } from '../../src/run/run.js'
import {
  TOOL_LAG_WARN_MS,
  inconclusiveWithinLag,
  lagAffectsLatency
} from '../../src/engine/tool-lag.js'
import { TOOL_LAG_RESOLUTION_MS } from '../../src/metrics/tool-monitor.js'
import { renderConsole } from '../../src/report/console.js'
import { mergeReports } from '../../src/report/merge.js'
import { toOutputs } from '../../src/report/outputs.js'
import { buildStepSummary } from '../../src/report/step-summary.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { makeCheck, makeConfig } from '../fixtures/builders.js'
import { startBlockingEcho } from '../fixtures/blocking-echo.js'
import type { TestServer } from '../fixtures/ws-server.js'
import { runSuite } from '../suites/harness.js'

/** How long each deliberate block holds the event loop (ms). */
const BLOCK_MS = 150
/** A block is seen at least this late (ms): it may start up to one sampling interval after a tick. */
const BLOCK_SEEN_MS = BLOCK_MS - 2 * TOOL_LAG_RESOLUTION_MS
const WARNING = 'The tool itself was delayed up to'

let server: TestServer | ReferenceServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('metrics.tool in a normal run', () => {
  it('reports the lag percentiles, CPU use and the tool_lag_p99_ms output as numbers', async () => {
    server = await startReferenceServer()
    const report = await runHealthCheck(
      makeConfig({ url: server.url, suites: ['latency-performance'], duration: 1 }),
      { timing: { durationMs: 600 } }
    )
    const tool = report.metrics.tool
    if (!tool) throw new Error('metrics.tool missing')
    const { p50, p99, max } = tool.eventLoopLagMs
    for (const value of [p50, p99, max, tool.cpuPercent]) {
      expect(typeof value).toBe('number')
      expect(value as number).toBeGreaterThanOrEqual(0)
    }
    expect(p50 as number).toBeLessThanOrEqual(p99 as number)
    expect(p99 as number).toBeLessThanOrEqual(max as number)
    // The run sent and answered probes on this process's CPU.
    expect(tool.cpuPercent as number).toBeGreaterThan(0)
    expect(tool.lagAffectsLatency).toBe(lagAffectsLatency(tool.eventLoopLagMs, latencyValues()))
    expect(Number(toOutputs(report).tool_lag_p99_ms)).toBeCloseTo(p99 as number, 2)
    expect(renderConsole(report, { color: false })).toContain('Tool Load: event-loop lag p50')

    function latencyValues(): number[] {
      const suite = report.suites.find((s) => s.id === 'latency-performance')
      return (suite?.checks ?? [])
        .filter((c) => /^latency-p\d+$/.test(c.id))
        .map((c) => c.value as number)
    }
  })
})

describe('a run whose event loop is blocked', () => {
  it('shows the blocks in lag p99 and max and warns in the console and the step summary', async () => {
    server = await startBlockingEcho(BLOCK_MS)
    const report = await runHealthCheck(
      makeConfig({ url: server.url, suites: ['latency-performance'], duration: 1 }),
      { timing: { durationMs: 600 } }
    )
    const tool = report.metrics.tool
    if (!tool) throw new Error('metrics.tool missing')
    expect(tool.eventLoopLagMs.max as number).toBeGreaterThanOrEqual(BLOCK_SEEN_MS)
    // Three blocks among a few hundred 10 ms samples are more than 1 % of them.
    expect(tool.eventLoopLagMs.p99 as number).toBeGreaterThanOrEqual(BLOCK_SEEN_MS)
    expect(tool.eventLoopLagMs.p99 as number).toBeGreaterThan(TOOL_LAG_WARN_MS)
    expect(tool.lagAffectsLatency).toBe(true)
    expect(Number(toOutputs(report).tool_lag_p99_ms)).toBeGreaterThanOrEqual(BLOCK_SEEN_MS)
    const consoleText = renderConsole(report, { color: false })
    expect(consoleText).toContain(WARNING)
    expect(consoleText).toContain('the latency figures include it')
    expect(buildStepSummary(report)).toContain(`> ${WARNING}`)
    // A report merged alone keeps its tool figures and its warning.
    expect(mergeReports([report]).metrics.tool).toEqual(tool)
    // Merged with another job, each figure is the worst job's; the warning is judged again.
    const idleJob = {
      ...report,
      startedAt: new Date(Date.parse(report.startedAt) + 60_000).toISOString(),
      metrics: {
        ...report.metrics,
        tool: {
          eventLoopLagMs: { p50: 1_000, p99: 0, max: 0 },
          cpuPercent: 1_000,
          lagAffectsLatency: false
        }
      }
    }
    expect(mergeReports([report, idleJob]).metrics.tool).toEqual({
      eventLoopLagMs: { p50: 1_000, p99: tool.eventLoopLagMs.p99, max: tool.eventLoopLagMs.max },
      cpuPercent: 1_000,
      lagAffectsLatency: true
    })
  })
})

describe('a latency check that misses by less than the tool lag', () => {
  it('is inconclusive (skipped with its value and the reason), not failed', async () => {
    // Replies ~20 ms late against a 15 ms p50 limit: a miss of a few ms, far below the block.
    server = await startBlockingEcho(BLOCK_MS, 20)
    const { result } = await runSuite('latency-performance', server.url, {
      thresholds: { p50LatencyMs: 15, p95LatencyMs: 5_000, p99LatencyMs: 5_000 }
    })
    const p50 = result.checks.find((c) => c.id === 'latency-p50')
    const lag = result.metrics.toolLagMs as { max: number }
    expect(lag.max).toBeGreaterThanOrEqual(BLOCK_SEEN_MS)
    expect(p50).toMatchObject({ status: 'skipped', unit: 'ms', threshold: { op: '<', value: 15 } })
    expect(p50?.value as number).toBeGreaterThanOrEqual(15)
    expect(p50?.value as number).toBeLessThan(15 + lag.max)
    expect(p50?.message).toContain('inconclusive, not charged to the service')
    expect(p50?.code).toBeUndefined()
    expect(result.status).not.toBe('failed')
  })
})

describe('inconclusiveWithinLag', () => {
  const missed = makeCheck({
    id: 'latency-p99',
    status: 'failed',
    value: 130,
    unit: 'ms',
    threshold: { op: '<', value: 100 },
    code: 'WSH_ERR_MESSAGE_TIMEOUT'
  })

  it('excuses a miss no larger than the lag, keeping value and threshold', () => {
    const check = inconclusiveWithinLag(missed, 30)
    expect(check).toMatchObject({ status: 'skipped', value: 130, threshold: { value: 100 } })
    expect(check.code).toBeUndefined()
  })

  it('keeps a miss larger than the lag, a pass, and a check without lag as they are', () => {
    expect(inconclusiveWithinLag(missed, 29.9)).toBe(missed)
    expect(inconclusiveWithinLag(missed, null)).toBe(missed)
    expect(inconclusiveWithinLag(missed, 0)).toBe(missed)
    const passed = { ...missed, status: 'passed' as const, value: 90 }
    expect(inconclusiveWithinLag(passed, 500)).toBe(passed)
    const floor = { ...missed, threshold: { op: '>=' as const, value: 200 } }
    expect(inconclusiveWithinLag(floor, 500)).toBe(floor)
  })
})

describe('lagAffectsLatency', () => {
  it(`warns above ${TOOL_LAG_WARN_MS} ms, or above 10 % of the highest judged percentile`, () => {
    const lag = (p99: number | null): { p50: null; p99: number | null; max: null } => ({
      p50: null,
      p99,
      max: null
    })
    expect(lagAffectsLatency(lag(5.1), [])).toBe(true)
    expect(lagAffectsLatency(lag(5), [])).toBe(false)
    expect(lagAffectsLatency(lag(2), [0.1, 0.3, 30])).toBe(false)
    expect(lagAffectsLatency(lag(2), [0.1, 0.3, 19])).toBe(true)
    expect(lagAffectsLatency(lag(null), [0.1])).toBe(false)
  })
})
