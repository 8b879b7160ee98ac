import { afterEach, describe, expect, it } from '@jest/globals'
import { finalize } from '../../src/engine/finalize.js'
import type { RunReport } from '../../src/engine/model.js'
import { runHealthCheck } from '../../src/run/run.js'
import { histogramOf } from '../../src/metrics/histogram.js'
import { toJsonReport } from '../../src/report/json.js'
import { mergeReports } from '../../src/report/merge.js'
import { parseReport } from '../../src/commands/report-files.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'
import {
  makeReport,
  makeReportCheck,
  makeRunMetrics,
  makeSuiteResult
} from '../fixtures/reports.js'

const perfect = makeRunMetrics({ successRate: 1, reconnections: 0, errors: 0 })
const histograms: RunReport['latencyHistogram'] = {
  latencyMs: histogramOf([1, 2, 3]).toJSON(),
  connectTimeMs: histogramOf([1]).toJSON(),
  recoveryTimeMs: histogramOf([]).toJSON(),
  throughputWindowMs: 1000,
  intactReplies: 3
}

/** A report whose stress block says the breaking point lies below connection_count. */
function stressDegraded(): RunReport {
  return makeReport({
    status: 'passed',
    healthScore: 0,
    metrics: perfect,
    latencyHistogram: histograms,
    stress: { breakingPoint: { connections: 4 }, effect: { degradesRun: true, note: 'below' } }
  })
}

/** Merge bookkeeping (src/report/merge.ts): the only fields a report merged alone may change. */
function withoutMergeBookkeeping(report: RunReport): RunReport {
  const { mergedReports: _count, suites: _suites, ...config } = report.config
  void _count
  void _suites
  return { ...report, config }
}

describe('finalize', () => {
  it('judges the verdict from the suites and caps the score of a failed run', () => {
    const failedSuite = makeSuiteResult({
      status: 'failed',
      checks: [makeReportCheck({ status: 'failed' })]
    })
    const report = finalize({ ...makeReport({ metrics: perfect }), suites: [failedSuite] })
    expect(report.status).toBe('failed')
    expect(report.healthScore).toBe(79)
    expect(report.healthScoreCappedFrom).toBe(100)
  })

  it('recomputes a judgement the report carried, with the threshold from its config', () => {
    const report = finalize({
      ...makeReport({ status: 'failed', healthScore: 3, healthScoreCappedFrom: 50 }),
      metrics: perfect,
      config: { thresholds: { healthScore: 90 } },
      suites: [
        makeSuiteResult({ status: 'failed', checks: [makeReportCheck({ status: 'failed' })] })
      ]
    })
    expect(report).toMatchObject({ status: 'failed', healthScore: 89, healthScoreCappedFrom: 100 })
    const passed = finalize({ ...report, suites: [makeSuiteResult()] })
    expect(passed.status).toBe('passed')
    expect(passed.healthScore).toBe(100)
    expect('healthScoreCappedFrom' in passed).toBe(false)
  })

  it('applies the stress downgrade in single runs and merges alike', () => {
    expect(finalize(stressDegraded()).status).toBe('degraded')
    expect(mergeReports([stressDegraded()]).status).toBe('degraded')
    const other = makeReport({
      startedAt: '2026-11-25T04:00:00.000Z',
      metrics: perfect,
      latencyHistogram: histograms,
      suites: [makeSuiteResult({ id: 'message-delivery' })]
    })
    expect(mergeReports([other, stressDegraded()]).status).toBe('degraded')
  })
})

describe('a report merged alone equals itself', () => {
  it('keeps every figure, block and the suites order; only merge bookkeeping is added', () => {
    const report = finalize({
      ...makeReport({ metrics: perfect, latencyHistogram: histograms }),
      // Not in SUITE_IDS order: a merge of one report keeps the order the run used.
      suites: [makeSuiteResult({ id: 'latency-performance', title: 'Latency' }), makeSuiteResult()],
      service: { logPath: null, readyMs: 12, restarts: 0 },
      chaos: { seed: 7 }
    })
    const merged = mergeReports([report])
    expect(merged.config.mergedReports).toBe(1)
    expect(merged.config.suites).toEqual(['latency-performance', 'connection-lifecycle'])
    expect(withoutMergeBookkeeping(merged)).toEqual(withoutMergeBookkeeping(report))
  })

  let server: ReferenceServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('holds for a real run read back from its JSON report', async () => {
    server = await startReferenceServer()
    const run = await runHealthCheck(
      makeConfig({
        url: server.url,
        duration: 1,
        suites: ['connection-lifecycle', 'latency-performance']
      })
    )
    const report = parseReport(JSON.stringify(toJsonReport(run)), 'report.json')
    expect(report.metrics.messagesSent).toBeGreaterThan(0)
    const merged = mergeReports([report])
    expect(merged.config.suites).toEqual(report.config.suites)
    expect(withoutMergeBookkeeping(merged)).toEqual(withoutMergeBookkeeping(report))
  })
})
