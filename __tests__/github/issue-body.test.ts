import { describe, expect, it } from '@jest/globals'
import {
  MAX_CHECKS_LISTED,
  buildIssueBody,
  buildIssueTitle,
  indications
} from '../../src/github/issue-body.js'
import { LATEST_END, LATEST_START, replaceLatestSection } from '../../src/github/issue-marker.js'
import { check, failingReport, passingReport, suite } from './report-builder.js'

const RUN = {
  workflow: 'WS',
  runUrl: 'https://github.com/o/r/actions/runs/7',
  branch: 'main',
  commit: 'abc'
}

describe('indications', () => {
  it("maps failing suites to the seed's hints", () => {
    const report = failingReport(undefined, {
      suites: [
        suite({ id: 'latency-performance', title: 'Latency & Performance', status: 'failed' }),
        suite({ id: 'message-delivery', title: 'Message Delivery', status: 'degraded' }),
        suite({ id: 'heartbeat-monitoring', title: 'Heartbeat Monitoring', status: 'failed' }),
        suite({ id: 'self-healing', title: 'Self-Healing', status: 'passed' })
      ]
    })
    const text = indications(report)
    expect(text).toContain('**Performance degradation**')
    expect(text).toContain('**Message delivery problems**')
    expect(text).toContain('**Connection instability**')
    expect(text).not.toContain('Self-healing')
  })

  it('lists all four seed hints when no suite result explains the failure', () => {
    const text = indications(failingReport(undefined, { suites: [] }))
    expect(text.split('\n')).toEqual([
      '- Connection instability',
      '- Self-healing mechanism issues',
      '- Performance degradation',
      '- Message delivery problems'
    ])
  })
})

describe('buildIssueBody', () => {
  it('shows n/a, never 0, for metrics that were not measured', () => {
    const base = failingReport()
    const report = {
      ...base,
      metrics: {
        ...base.metrics,
        latencyMs: { avg: null, p50: null, p95: null, p99: null, max: null, count: 0 },
        successRate: null
      }
    }
    const body = buildIssueBody(report, RUN, 'k')
    expect(body).toContain('| Average latency | n/a |')
    expect(body).toContain('| Success rate | n/a |')
  })

  it(`lists at most ${MAX_CHECKS_LISTED} failing checks and says how many more`, () => {
    const checks = Array.from({ length: 50 }, (_, i) =>
      check({ id: `c${i}`, title: `Check ${i}`, status: 'failed' })
    )
    const body = buildIssueBody(
      failingReport(undefined, { suites: [suite({ status: 'failed', checks })] }),
      RUN,
      'k'
    )
    expect(body).toContain('Check 29:')
    expect(body).not.toContain('Check 30:')
    expect(body).toContain('20 more failing check(s)')
  })

  it('writes figures as the step summary does (src/format/figures.ts)', () => {
    const base = failingReport()
    const count = check({
      id: 'lost',
      title: 'Lost',
      status: 'failed',
      value: 3,
      unit: 'count',
      threshold: { op: '==', value: 0 }
    })
    const unbounded = check({ id: 'free', title: 'Free', status: 'failed', threshold: null })
    const report = {
      ...base,
      suites: [suite({ status: 'failed', checks: [count, unbounded] })],
      metrics: { ...base.metrics, latencyMs: { ...base.metrics.latencyMs, avg: 0.0144 } }
    }
    const body = buildIssueBody(report, RUN, 'k')
    // A count carries no unit word, and a threshold-free check says so with the summary's mark.
    expect(body).toContain('Lost: 3 (threshold == 0):')
    expect(body).toMatch(/Free: [^\n]* \(threshold —\):/)
    // Sub-millisecond latency keeps a third decimal, as everywhere else.
    expect(body).toContain('| Average latency | 0.014 ms |')
  })

  it('links only http(s) run URLs', () => {
    const body = buildIssueBody(failingReport(), { ...RUN, runUrl: 'javascript:alert(1)' }, 'k')
    expect(body).not.toContain('](javascript:')
    expect(body).toContain('`javascript:alert(1)`')
  })

  it('has exactly one latest-status section, which replaceLatestSection swaps in place', () => {
    const body = buildIssueBody(failingReport(), RUN, 'k')
    const updated = replaceLatestSection(body, 'NEW FINDINGS')
    expect(updated.split(LATEST_START)).toHaveLength(2)
    expect(updated).toContain(`${LATEST_START}\nNEW FINDINGS\n${LATEST_END}`)
    expect(updated.slice(0, updated.indexOf(LATEST_START))).toBe(
      body.slice(0, body.indexOf(LATEST_START))
    )
    expect(updated.slice(updated.indexOf(LATEST_END))).toBe(body.slice(body.indexOf(LATEST_END)))
  })
})

describe('buildIssueTitle', () => {
  it('names the target (credentials redacted) and the workflow', () => {
    expect(buildIssueTitle('Nightly', 'wss://user:pw@svc.example/ws?api_key=s3cret')).toBe(
      'WebSocket health failure: wss://svc.example/ws?api_key=*** (Nightly)'
    )
    expect(passingReport().target).toBe('ws://127.0.0.1:8001/ws')
  })
})
