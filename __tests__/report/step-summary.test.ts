import { describe, expect, it } from '@jest/globals'
import { buildErrorSummary, buildStepSummary, tableCell } from '../../src/report/step-summary.js'
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
    for (const title of ['Connection Lifecycle', 'Message Delivery', 'Latency & Performance']) {
      expect(markdown).toContain(`### `)
      expect(markdown).toMatch(new RegExp(`### (✅|⚠️) ${title}: (PASSED|DEGRADED)`))
    }
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

  it('lists key metrics and a latency chart when latency was measured', () => {
    const markdown = buildStepSummary(makeReport())
    expect(markdown).toContain('### Key Metrics')
    expect(markdown).toContain('| Average Latency | 45.23 ms |')
    expect(markdown).toContain('| P95 Latency | 89.34 ms |')
    expect(markdown).toContain('| Success Rate | 98.5% |')
    expect(markdown).toContain('| Reconnections | 2 |')
    expect(markdown).toContain('```mermaid')
    expect(markdown).toContain('bar [45.23, 42.15, 89.34, 125.67, 140.2]')
  })

  it('says n/a and draws no chart when nothing was measured', () => {
    const markdown = buildStepSummary(makeReport({ status: 'failed', metrics: emptyRunMetrics() }))
    expect(markdown).toContain('| Average Latency | n/a |')
    expect(markdown).not.toContain('mermaid')
  })

  it('escapes table cells', () => {
    expect(tableCell('a|b\nc')).toBe('a\\|b c')
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
