/**
 * Conformance findings (Check.conformance) are reported apart from service
 * health in every sink: the JSON report keeps the flag, the step summary and
 * the console list them in their own section and leave them out of the
 * health tables, and the failure issue does not count them as failures.
 */
import { describe, expect, it } from '@jest/globals'
import { verify } from '../../src/engine/checks.js'
import type { RunReport } from '../../src/engine/model.js'
import { suiteStatus } from '../../src/engine/verdict.js'
import { buildFindings, unhealthySuites } from '../../src/github/issue-body.js'
import { renderConsole } from '../../src/report/console.js'
import { toJsonReport } from '../../src/report/json.js'
import { buildStepSummary } from '../../src/report/step-summary.js'
import { makeReport, makeReportCheck, makeSuiteResult } from '../fixtures/reports.js'

const finding = verify({
  id: 'no-leaks',
  title: 'service closes the TCP connection first',
  ok: false,
  value: false,
  message: 'the service kept TCP open after the close handshake (RFC 6455 7.1.1: SHOULD)',
  code: 'WSH_ERR_PROTOCOL',
  conformance: true
})

/** A run whose only problem is one conformance finding in connection-lifecycle. */
function reportWithFinding(extra: Partial<RunReport> = {}): RunReport {
  const checks = [makeReportCheck(), finding]
  return makeReport({
    status: 'degraded',
    suites: [makeSuiteResult({ status: suiteStatus(checks), checks })],
    ...extra
  })
}

describe('conformance findings in the reports', () => {
  it('the JSON report keeps the flag on the check', () => {
    const json = toJsonReport(reportWithFinding()) as unknown as {
      suites: { checks: Record<string, unknown>[] }[]
    }
    const checks = json.suites[0]?.checks ?? []
    expect(checks[1]).toMatchObject({ id: 'no-leaks', status: 'degraded', conformance: true })
    expect(checks[0]).not.toHaveProperty('conformance')
  })

  it('the step summary lists findings in their own section, not in the health table', () => {
    const markdown = buildStepSummary(reportWithFinding())
    const section = markdown.indexOf('### ⚠️ Conformance findings (RFC 6455)')
    expect(section).toBeGreaterThan(0)
    const table = markdown.slice(0, section)
    expect(table).toContain('| Connect time |')
    expect(table).not.toContain('service closes the TCP connection first |')
    expect(table).toContain('1 conformance finding listed under Conformance findings (RFC 6455)')
    expect(markdown.slice(section)).toContain(
      '| Connection Lifecycle | service closes the TCP connection first | the service kept TCP open after the close handshake (RFC 6455 7.1.1: SHOULD) |'
    )
  })

  it('the step summary has no conformance section when there is no finding', () => {
    expect(buildStepSummary(makeReport())).not.toContain('Conformance findings')
  })

  it('the console lists findings after the suites, not as a suite problem', () => {
    const text = renderConsole(reportWithFinding(), { color: false })
    const section = text.indexOf('Conformance findings (RFC 6455):')
    expect(section).toBeGreaterThan(0)
    expect(text.slice(0, section)).not.toContain('service closes the TCP connection first')
    expect(text.slice(0, section)).toContain('1 conformance finding listed below')
    expect(text.slice(section)).toContain(
      '• Connection Lifecycle / service closes the TCP connection first: the service kept TCP open'
    )
  })

  it('the failure issue lists findings apart and not among the suites that did not pass', () => {
    const report = reportWithFinding()
    expect(unhealthySuites(report)).toEqual([])
    const body = buildFindings(report, { workflow: 'health' })
    const failures = body.slice(0, body.indexOf('#### Conformance findings'))
    expect(failures).toContain('No health check failed')
    expect(failures).not.toContain('service closes the TCP connection first')
    expect(body).toContain('#### Conformance findings (RFC 6455, not failures)')
    expect(body).toMatch(/- Connection Lifecycle \/ service closes the TCP connection first: /)
  })

  it('the failure issue still lists the health failures of a suite that also has a finding', () => {
    const missed = makeReportCheck({
      id: 'graceful-close',
      title: 'graceful close',
      status: 'failed',
      message: 'close code 1011'
    })
    const checks = [missed, finding]
    const report = makeReport({
      status: 'failed',
      suites: [makeSuiteResult({ status: suiteStatus(checks), checks })]
    })
    expect(unhealthySuites(report)).toHaveLength(1)
    const body = buildFindings(report, { workflow: 'health' })
    const failures = body.slice(0, body.indexOf('#### Conformance findings'))
    expect(failures).toContain('graceful close')
    expect(failures).not.toContain('service closes the TCP connection first')
  })
})
