/**
 * The headline figures over real sockets: latency percentiles are
 * latency-performance's judged samples (not a blend with other suites'
 * round trips), throughput is answered probes per wall-clock second of its
 * window, and a run without it says so instead of borrowing a figure.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import type { RunReport, Summary, SuiteResult } from '../../src/engine/model.js'
import { runHealthCheck } from '../../src/run/run.js'
import { mergeReports } from '../../src/report/merge.js'
import { buildStepSummary } from '../../src/report/step-summary.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'

let server: ReferenceServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function suite(report: RunReport, id: SuiteResult['id']): SuiteResult {
  const found = report.suites.find((s) => s.id === id)
  if (found === undefined) throw new Error(`no ${id} in the report`)
  return found
}

describe('headline figures', () => {
  it('are latency-performance judged samples and its wall-clock throughput', async () => {
    server = await startReferenceServer()
    const report = await runHealthCheck(
      makeConfig({
        url: server.url,
        duration: 2,
        suites: ['message-delivery', 'latency-performance']
      })
    )
    const latency = suite(report, 'latency-performance')
    const judged = latency.metrics.latencyMs as unknown as Summary
    const throughput = latency.metrics.throughput as { replies: number; elapsedMs: number }
    expect(judged.count).toBeGreaterThan(0)
    // Exactly the suite's judged figures, not the run's pool of every round trip.
    expect(report.metrics.latencyMs).toEqual(judged)
    expect(report.metrics.headline).toEqual({ suite: 'latency-performance', measured: true })
    const delivery = suite(report, 'message-delivery').metrics.probeLatencyMs as unknown as Summary
    expect(delivery.count).toBeGreaterThan(0)
    expect(report.metrics.messagesReceived).toBeGreaterThan(judged.count)
    // Answered probes per wall-clock second of the suite's measuring window.
    expect(report.latencyHistogram?.throughputWindowMs).toBe(throughput.elapsedMs)
    expect(report.latencyHistogram?.throughputAnswered).toBe(throughput.replies)
    expect(report.metrics.throughputMsgsPerSec).toBeCloseTo(
      throughput.replies / (throughput.elapsedMs / 1000),
      6
    )
    // A merge reads the same headline back from the judged samples' histogram.
    expect(report.latencyHistogram?.latencyMs.count).toBe(judged.count)
    const twin = { ...report, startedAt: new Date(Date.parse(report.startedAt) + 1).toISOString() }
    const merged = mergeReports([report, twin])
    expect(merged.metrics.latencyMs.count).toBe(2 * judged.count)
    expect(merged.metrics.headline?.measured).toBe(true)
  })

  it('is null with the reason when latency-performance did not run', async () => {
    server = await startReferenceServer()
    const report = await runHealthCheck(
      makeConfig({ url: server.url, duration: 1, suites: ['message-delivery'] })
    )
    expect(report.metrics.messagesReceived).toBeGreaterThan(0)
    expect(report.metrics.latencyMs).toMatchObject({ p50: null, p95: null, p99: null, count: 0 })
    expect(report.metrics.throughputMsgsPerSec).toBeNull()
    expect(report.metrics.headline).toMatchObject({
      measured: false,
      reason: expect.stringContaining('latency-performance was not selected')
    })
    expect(buildStepSummary(report)).toContain('not measured: latency-performance was not selected')
    expect(mergeReports([report]).metrics.headline?.measured).toBe(false)
  })
})
