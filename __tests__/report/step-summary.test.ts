import { describe, expect, it } from '@jest/globals'
import { expectationText, meetsThreshold, verify } from '../../src/engine/checks.js'
import type { Check } from '../../src/engine/model.js'
import { buildErrorSummary, buildStepSummary } from '../../src/report/step-summary.js'
import { degradationCheck } from '../../src/suites/latency-performance.js'
import {
  emptyRunMetrics,
  makeReport,
  makeReportCheck,
  makeSuiteResult
} from '../fixtures/reports.js'

describe('buildStepSummary', () => {
  it('states the verdict with health score and band', () => {
    const markdown = buildStepSummary(makeReport({ status: 'degraded' }))
    expect(markdown).toMatch(
      /\*\*⚠️ Verdict: DEGRADED\*\* · Health score \*\*92\.5\/100\*\* \(\w+\)/
    )
  })

  it('has one table per suite with value, threshold and status', () => {
    const markdown = buildStepSummary(makeReport())
    // The degraded suite is open under its heading; the passed ones are folded.
    expect(markdown).toContain('### ⚠️ Latency & Performance: DEGRADED')
    expect(markdown).toContain(
      '<details><summary>✅ Connection Lifecycle: PASSED · 1 passed</summary>'
    )
    expect(markdown).toMatch(/<details><summary>✅ Message Delivery: PASSED · /)
    expect(markdown.match(/\| Check \| Value \| Threshold \| Status \| Details \|/g)).toHaveLength(
      3
    )
    expect(markdown).toContain(
      '| Connect time | 12.5 ms | < 10000 ms | ✅ passed | handshake completed in 12.5 ms |'
    )
    expect(markdown).toContain(
      '| Delivery rate | 100% | >= 100% | ✅ passed | 200 of 200 delivered |'
    )
    expect(markdown).toContain(
      '| Binary payload | n/a | — | ⏭ skipped | protocol json cannot carry binary |'
    )
    expect(markdown).toContain('| P95 latency | 520.4 ms | < 500 ms | ⚠️ degraded |')
  })

  it('leads with the degraded check and its reason, before the key metrics', () => {
    const markdown = buildStepSummary(makeReport({ status: 'degraded' }))
    const attention = markdown.indexOf('### Needs attention: 1 check, 1 distinct reason')
    expect(attention).toBeGreaterThan(0)
    expect(attention).toBeLessThan(markdown.indexOf('### Key metrics'))
    expect(markdown).toMatch(/- ⚠️ \*\*Latency &amp; Performance \/ P95 latency\*\*: /)
  })

  it('lists key metrics in one row and the full metrics folded', () => {
    const markdown = buildStepSummary(makeReport())
    expect(markdown).toContain('### Key metrics')
    expect(markdown).toContain(
      '| 42.15 ms | 89.34 ms | 125.67 ms | 98.5% | 100% | 123.46 msgs/s | 5.5 ms | 2 | 0 |'
    )
    expect(markdown).toContain('<details><summary>All metrics</summary>')
    expect(markdown).toContain('| Average Latency | 45.23 ms |')
    expect(markdown).toContain('| Success Rate | 98.5% |')
    expect(markdown).toContain('| Reconnections | 2 |')
  })

  it('charts latency by percentile with the limits when they fit, not bars dominated by max', () => {
    const near = makeReport({
      config: { thresholds: { p50LatencyMs: 60, p95LatencyMs: 120, p99LatencyMs: 200 } }
    })
    const markdown = buildStepSummary(near)
    expect(markdown).toContain('```mermaid')
    // No histogram in this report: the summary's own percentiles.
    expect(markdown).toContain('x-axis "percentile" [p50, p95, p99]')
    expect(markdown).toContain('  line [42.151, 89.344, 125.672]')
    expect(markdown).toContain('  line [60, 120, 200]')
    expect(markdown).toContain('red: the limit each percentile must stay under')
    expect(markdown).toContain('max 140.2 ms (not drawn)')
    expect(markdown).not.toContain('bar [')
  })

  it('says when a threshold the user set fails the step, and when fail_on keeps it from failing', () => {
    const gate = {
      thresholdMisses: [
        {
          suite: 'latency-performance' as const,
          check: 'latency-p95',
          title: 'P95 latency',
          threshold: 'p95LatencyMs' as const,
          value: 520.4,
          op: '<' as const,
          limit: 500,
          unit: 'ms'
        }
      ],
      regressions: []
    }
    const report = makeReport({ status: 'degraded', gate, config: { failOn: 'failed' } })
    const failing = buildStepSummary(report)
    expect(failing).toContain('**⛔ The step fails on a gate**')
    expect(failing).toContain(
      '- threshold you set: P95 latency 520.4 ms misses p95_latency_ms &lt; 500 ms (Latency &amp; Performance)'
    )
    const never = buildStepSummary(report, { failOn: 'never' })
    expect(never).not.toContain('The step fails')
    expect(never).toContain('**Gate** (not failing the step: fail_on is never)')
  })

  it('says n/a and draws no chart when nothing was measured', () => {
    const markdown = buildStepSummary(makeReport({ status: 'failed', metrics: emptyRunMetrics() }))
    expect(markdown).toContain('| Average Latency | n/a |')
    expect(markdown).not.toContain('mermaid')
  })

  it('escapes table cells', () => {
    const report = makeReport({
      suites: [makeSuiteResult({ checks: [makeReportCheck({ message: 'got "x|y"' })] })]
    })
    expect(buildStepSummary(report)).toContain('got "x\\|y"')
  })
})

describe('buildErrorSummary', () => {
  it('names the error', () => {
    expect(buildErrorSummary('duration: got "x"; expected an integer')).toContain(
      '**❌ The run did not start:** duration: got "x"; expected an integer'
    )
  })
})

describe('threshold cells say what was expected', () => {
  const row = (check: Check): string =>
    buildStepSummary(makeReport({ suites: [makeSuiteResult({ checks: [check] })] }))
      .split('\n')
      .find((line) => line.startsWith(`| ${check.title} |`)) ?? ''

  it('does not show a missed threshold as the reason a floor-rule check passed', () => {
    const check = degradationCheck(
      {
        slopeMsPerSec: 0.1,
        r2: 0.5,
        firstWindowMedian: 1,
        lastWindowMedian: 2.862,
        relativeChange: 1.862,
        count: 50
      },
      50,
      { maxDegradation: 0.5, degradedMargin: 0.1 }
    )
    expect(check.status).toBe('passed')
    const line = row(check)
    expect(line).toContain('| 186.2% | <= 50% not applied (see details) | ✅ passed |')
    expect(line).toContain('below the 5 ms floor')
  })

  it('shows the accepted close codes, not the measured one, for the protocol-error probe', () => {
    const check = verify({
      id: 'protocol-error-close',
      title: 'protocol error closes cleanly',
      ok: true,
      value: 1007,
      unit: 'close code',
      expected: 1007,
      expectation: 'one of 1002/1003/1007/1008/1009/1011',
      message: 'closed with 1007'
    })
    expect(row(check)).toContain(
      '| 1007 close code | one of 1002/1003/1007/1008/1009/1011 | ✅ passed |'
    )
  })

  it('renders an expected n/n derived from the measurement as "all"', () => {
    const check = verify({
      id: 'backoff',
      title: 'delays follow the backoff policy',
      ok: true,
      value: '14/14',
      expected: '14/14',
      message: '14 delays within the policy'
    })
    expect(row(check)).toContain('| 14/14 | all | ✅ passed |')
    expect(expectationText({ threshold: { op: '==', value: '13/14' } })).toBeUndefined()
  })

  it('keeps op and value for ordinary thresholds, passed or missed', () => {
    expect(row(makeReportCheck())).toContain('| 12.5 ms | < 10000 ms | ✅ passed |')
    expect(row(makeReportCheck({ status: 'failed', value: 20_000 }))).toContain(
      '| 20000 ms | < 10000 ms | ❌ failed |'
    )
    expect(meetsThreshold({ value: 'x', threshold: { op: '==', value: 'x' } })).toBeNull()
  })
})
