/** A run whose service went down: every sink shows the not-run suites with the cause, once. */
import { describe, expect, it } from '@jest/globals'
import { notRunSuite, serviceDown, serviceDownCheck } from '../../src/engine/service-down.js'
import { renderConsole } from '../../src/report/console.js'
import { buildStepSummary } from '../../src/report/step-summary.js'
import { makeReport, makeSuiteResult } from '../fixtures/reports.js'

const down = serviceDown('self-healing', new Error('connect ECONNREFUSED 127.0.0.1:9'))
const report = makeReport({
  status: 'failed',
  suites: [
    makeSuiteResult({ id: 'self-healing', status: 'failed', checks: [serviceDownCheck(down)] }),
    notRunSuite('latency-performance', 'Latency', true, down)
  ]
})

describe('not-run in the reports', () => {
  it('the step summary marks the suite not-run and states the cause', () => {
    const summary = buildStepSummary(report)
    // Folded to its summary line (HTML, so the & is an entity there).
    expect(summary).toContain('⏹ Latency &amp; Performance: NOT-RUN')
    expect(summary).toContain(`not run: ${down.cause}`)
    expect(summary).toContain('WSH_ERR_SERVICE_DOWN')
  })

  it('the console shows the cause once per not-run suite', () => {
    const text = renderConsole(report, { color: false })
    expect(text).toContain('NOT-RUN')
    expect(text.split(`not run: ${down.cause}`).length - 1).toBe(1)
  })
})
