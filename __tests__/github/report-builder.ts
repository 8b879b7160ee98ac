/**
 * RunReport builders for the GitHub tests, on top of the shared fixture
 * builders: a passing and a failing report whose numbers the issue-body
 * assertions quote (health score, latency percentiles, success rate).
 */
import type { RunReport } from '../../src/engine/model.js'
import {
  makeReport,
  makeReportCheck as check,
  makeRunMetrics,
  makeSuiteResult as suite
} from '../fixtures/reports.js'

export { check, suite }

export function passingReport(overrides: Partial<RunReport> = {}): RunReport {
  return makeReport({
    healthScore: 97.5,
    startedAt: '2026-11-25T02:00:00.000Z',
    durationMs: 60_000,
    config: {},
    suites: [
      suite(),
      suite({
        id: 'self-healing',
        title: 'Self-Healing',
        checks: [check({ id: 'reconnect-time', title: 'Reconnect time', value: 850 })]
      })
    ],
    metrics: makeRunMetrics({
      latencyMs: { avg: 45.23, p50: 42.15, p95: 89.34, p99: 125.67, max: 140, count: 200 },
      reconnections: 1,
      recoveryTimeMs: { avg: 850, max: 850 },
      connectTimeMs: { avg: 3.4, p95: 5.5 },
      throughputMsgsPerSec: 120.5
    }),
    ...overrides
  })
}

/** A failed run: self-healing's reconnect check missed its threshold with `message`. */
export function failingReport(
  message = 'reconnect took 15000 ms',
  overrides: Partial<RunReport> = {}
): RunReport {
  const base = passingReport()
  return {
    ...base,
    status: 'failed',
    healthScore: 41.5,
    suites: [
      suite(),
      suite({
        id: 'self-healing',
        title: 'Self-Healing',
        status: 'failed',
        checks: [
          check({
            id: 'reconnect-time',
            title: 'Reconnect time',
            status: 'failed',
            value: 15_000,
            message
          }),
          check({
            id: 'messages-lost',
            title: 'Messages lost',
            status: 'passed',
            value: 0,
            unit: 'count',
            threshold: { op: '==', value: 0 }
          })
        ]
      })
    ],
    metrics: { ...base.metrics, successRate: 0.6, reconnections: 5, errors: 3 },
    ...overrides
  }
}
