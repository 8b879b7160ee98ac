import { describe, expect, it } from '@jest/globals'
import { renderConsole } from '../../src/report/console.js'
import {
  emptyRunMetrics,
  makeReport,
  makeReportCheck,
  makeSuiteResult
} from '../fixtures/reports.js'

describe('renderConsole', () => {
  it('prints one status line per suite, latency statistics, score and verdict', () => {
    const text = renderConsole(makeReport({ status: 'degraded' }), { color: false })
    expect(text).toContain('✅ Connection Lifecycle: PASSED')
    expect(text).toContain('✅ Message Delivery: PASSED')
    expect(text).toContain('⚠️ Latency & Performance: DEGRADED')
    expect(text).toContain('📊 Latency Statistics (200 samples):')
    expect(text).toContain('• Average: 45.23 ms')
    expect(text).toContain('• P50: 42.15 ms')
    expect(text).toContain('• P95: 89.34 ms')
    expect(text).toContain('• P99: 125.67 ms')
    expect(text).toContain('- Success Rate: 98.5%')
    expect(text).toContain('- Reconnections: 2')
    expect(text).toMatch(/Health Score: 92\.5\/100 \(\w+\)/)
    expect(text).toContain('Verdict: DEGRADED')
    expect(text).not.toContain('\u001b[')
  })

  it('shows checks that missed with value, threshold and reason, and skipped ones with why', () => {
    const text = renderConsole(makeReport(), { color: false })
    expect(text).toContain(
      '⚠️ P95 latency: 520.4 ms (threshold < 500 ms) — p95 520.4 ms is above 500 ms'
    )
    expect(text).toContain('⏭ Binary payload: — protocol json cannot carry binary')
    // Passed checks stay in the JSON report and summary.
    expect(text).not.toContain('handshake completed in 12.5 ms')
  })

  it('marks failed and skipped suites and error codes', () => {
    const report = makeReport({
      status: 'failed',
      metrics: emptyRunMetrics(),
      suites: [
        makeSuiteResult({
          status: 'failed',
          checks: [
            makeReportCheck({
              id: 'handshake',
              title: 'Handshake',
              status: 'failed',
              value: 503,
              unit: '',
              threshold: { op: '==', value: 101 },
              message: 'handshake rejected: HTTP 503',
              code: 'WSH_ERR_HANDSHAKE_REJECTED'
            })
          ]
        }),
        makeSuiteResult({
          id: 'self-healing',
          title: 'Self-Healing',
          status: 'skipped',
          checks: []
        })
      ]
    })
    const text = renderConsole(report, { color: false })
    expect(text).toContain('❌ Connection Lifecycle: FAILED')
    expect(text).toContain('handshake rejected: HTTP 503 [WSH_ERR_HANDSHAKE_REJECTED]')
    expect(text).toContain('⏭ Self-Healing: SKIPPED')
    expect(text).toContain('• Average: n/a')
    expect(text).toContain('- Success Rate: n/a')
    expect(text).toContain('Verdict: FAILED')
  })

  it('prints per-connection figures in the seed layout where a suite reports them (verbose)', () => {
    const connections = Array.from({ length: 12 }, (_, index) => ({
      label: `conn_${index + 1}`,
      sent: 50,
      received: 49,
      reconnections: 0,
      avgLatencyMs: 45.234,
      heartbeats: { sent: 10, received: 10 },
      drops: 1
    }))
    const report = makeReport({
      suites: [
        makeSuiteResult({
          id: 'concurrent-connections',
          title: 'concurrent',
          metrics: { perConnection: { mode: 'detailed', connections } }
        })
      ]
    })
    // Without verbose the per-connection lines stay in the JSON report.
    expect(renderConsole(report, { color: false })).not.toContain('conn_1')
    const text = renderConsole(report, { color: false, verbose: true })
    expect(text).toContain(
      [
        '📊 Connection Metrics:',
        '  • conn_1 (Concurrent Connections):',
        '    - Messages: 50 sent, 49 received',
        '    - Reconnections: 0',
        '    - Avg Latency: 45.23 ms',
        '    - Heartbeats: 10/10',
        '    - drops: 1'
      ].join('\n')
    )
    expect(text).toContain('• conn_10 (Concurrent Connections):')
    expect(text).not.toContain('conn_11')
    expect(text).toContain('… and 2 more connections (JSON report)')
    expect(renderConsole(makeReport(), { color: false, verbose: true })).not.toContain(
      'Connection Metrics'
    )
  })

  it('prints n/a, not 0/0, for heartbeats when none was sent', () => {
    const report = makeReport({
      suites: [
        makeSuiteResult({
          id: 'concurrent-connections',
          title: 'concurrent',
          metrics: {
            perConnection: {
              mode: 'detailed',
              connections: [
                { label: 'conn_1', sent: 5, received: 5, heartbeats: { sent: 0, received: 0 } },
                { label: 'conn_2', sent: 5, received: 5, heartbeats: { sent: 4, received: 3 } }
              ]
            }
          }
        })
      ]
    })
    report.metrics.heartbeat = { sent: 0, received: 0, successRate: null }
    const text = renderConsole(report, { color: false, verbose: true })
    expect(text).not.toContain('0/0')
    expect(text).toContain(
      [
        '  • conn_1 (Concurrent Connections):',
        '    - Messages: 5 sent, 5 received',
        '    - Heartbeats: n/a'
      ].join('\n')
    )
    expect(text).toContain('    - Heartbeats: 3/4')
    expect(text).toContain('- Heartbeats: n/a\n')
  })

  it('colours statuses only when asked', () => {
    expect(renderConsole(makeReport(), { color: true })).toContain('\u001b[32mPASSED\u001b[0m')
  })
})

describe('renderConsole grouping', () => {
  it('prints checks that missed for one unmeasured cause as one line', () => {
    const refused = {
      status: 'failed' as const,
      value: null,
      threshold: null,
      message: 'cannot connect: ECONNREFUSED',
      code: 'WSH_ERR_CONNECT' as const
    }
    const report = makeReport({
      status: 'failed',
      suites: [
        makeSuiteResult({
          status: 'failed',
          checks: [
            makeReportCheck({ ...refused, title: 'handshake' }),
            makeReportCheck({ ...refused, title: 'connect time' }),
            makeReportCheck({ title: 'close', status: 'failed', value: 1006, unit: '' })
          ]
        })
      ]
    })
    const text = renderConsole(report, { color: false })
    expect(text).toContain(
      '❌ 2 checks (handshake; connect time): — cannot connect: ECONNREFUSED [WSH_ERR_CONNECT]'
    )
    expect(text).toContain('❌ close: 1006 (threshold < 10000)')
  })
})
