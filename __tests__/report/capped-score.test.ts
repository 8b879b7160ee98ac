/**
 * "FAILED, health 100/100" never appears: a failed critical check caps the
 * score below the threshold, and the step summary and the console say so
 * and name the check. The report goes through finalize(), as a run's does.
 */
import { describe, expect, it } from '@jest/globals'
import { finalize } from '../../src/engine/finalize.js'
import { renderConsole } from '../../src/report/console.js'
import { buildStepSummary } from '../../src/report/step-summary.js'
import {
  makeReport,
  makeReportCheck,
  makeRunMetrics,
  makeSuiteResult
} from '../fixtures/reports.js'

/** Every probe answered, fast, no reconnection or error: the formula alone says 100. */
const perfect = makeRunMetrics({ successRate: 1, reconnections: 0, errors: 0 })

function failedCritical(): ReturnType<typeof finalize> {
  return finalize({
    ...makeReport({ metrics: perfect }),
    config: { thresholds: { healthScore: 80 } },
    suites: [
      makeSuiteResult({
        status: 'failed',
        critical: true,
        checks: [
          makeReportCheck(),
          makeReportCheck({
            id: 'graceful-close',
            title: 'graceful close acknowledged',
            status: 'failed',
            message: 'no close frame within 3000 ms'
          })
        ]
      })
    ]
  })
}

describe('the score beside a failed verdict', () => {
  const report = failedCritical()

  it('is capped below the threshold with the formula score kept', () => {
    expect(report).toMatchObject({ status: 'failed', healthScore: 79, healthScoreCappedFrom: 100 })
  })

  it.each([
    ['step summary', () => buildStepSummary(report)],
    ['console', () => renderConsole(report, { color: false })]
  ])('%s shows the capped score and the failed critical check', (_sink, render) => {
    const text = render()
    expect(text).not.toMatch(/100\/100 \(/)
    expect(text).not.toMatch(/health(?: score)?\W+100\/100(?!,)/i)
    expect(text).toContain(
      '79/100, capped from 100/100: a critical check failed (Connection Lifecycle: graceful close acknowledged)'
    )
  })

  it('names the service when the verdict failed without a failed critical check', () => {
    const down = finalize({
      ...makeReport({ metrics: perfect }),
      suites: [
        makeSuiteResult({
          id: 'heartbeat-monitoring',
          status: 'failed',
          critical: false,
          checks: [
            makeReportCheck({ status: 'failed', code: 'WSH_ERR_SERVICE_DOWN', message: 'down' })
          ]
        })
      ]
    })
    expect(down.status).toBe('failed')
    expect(buildStepSummary(down)).toContain(
      'capped from 100/100: the service went down or could not be reached'
    )
  })
})
