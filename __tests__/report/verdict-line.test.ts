import { describe, expect, it } from '@jest/globals'
import { verdictLine } from '../../src/report/verdict-line.js'
import { makeReport, makeReportCheck, makeSuiteResult } from '../fixtures/reports.js'

describe('verdictLine', () => {
  it('is the verdict and score alone for a clean pass', () => {
    const report = makeReport({ suites: [makeSuiteResult()] })
    expect(verdictLine(report)).toBe('PASSED (health 92.5/100)')
  })

  it('names each suite that missed with its first failing check', () => {
    const report = makeReport({
      status: 'failed',
      healthScore: 40,
      suites: [
        makeSuiteResult({
          status: 'failed',
          checks: [
            makeReportCheck(),
            makeReportCheck({
              title: 'handshake',
              status: 'failed',
              message: 'handshake rejected: HTTP 503'
            })
          ]
        }),
        makeSuiteResult({ id: 'self-healing', title: 'x', status: 'skipped', checks: [] })
      ]
    })
    expect(verdictLine(report)).toBe(
      'FAILED (health 40/100): Connection Lifecycle: handshake: handshake rejected: HTTP 503'
    )
  })

  it('counts suites beyond the first three', () => {
    const suites = (
      ['connection-lifecycle', 'self-healing', 'message-delivery', 'heartbeat-monitoring'] as const
    ).map((id) =>
      makeSuiteResult({ id, status: 'failed', checks: [makeReportCheck({ status: 'failed' })] })
    )
    expect(verdictLine(makeReport({ status: 'failed', suites }))).toMatch(/; and 1 more$/)
  })
})
