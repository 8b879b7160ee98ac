/**
 * Local RunReport builders for the GitHub tests: a complete plausible report
 * merged with overrides, so each test states only what it varies.
 */
import type { Check, RunReport, SuiteResult } from '../../src/engine/model.js'

export function check(overrides: Partial<Check> = {}): Check {
  return {
    id: 'connect-time',
    title: 'Connect time',
    status: 'passed',
    value: 12.5,
    unit: 'ms',
    threshold: { op: '<', value: 10_000 },
    message: 'handshake completed in 12.5 ms',
    ...overrides
  }
}

export function suite(overrides: Partial<SuiteResult> = {}): SuiteResult {
  return {
    id: 'connection-lifecycle',
    title: 'Connection Lifecycle',
    status: 'passed',
    critical: true,
    durationMs: 1200,
    checks: [check()],
    metrics: {},
    ...overrides
  }
}

export function passingReport(overrides: Partial<RunReport> = {}): RunReport {
  return {
    schemaVersion: 1,
    status: 'passed',
    healthScore: 97.5,
    target: 'ws://127.0.0.1:8001/ws',
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
    metrics: {
      latencyMs: { avg: 45.23, p50: 42.15, p95: 89.34, p99: 125.67, max: 140, count: 200 },
      successRate: 0.985,
      deliveryRate: 1,
      messagesSent: 200,
      messagesReceived: 200,
      messagesLost: 0,
      reconnections: 1,
      recoveryTimeMs: { avg: 850, max: 850 },
      connectTimeMs: { avg: 3.4, p95: 5.5 },
      throughputMsgsPerSec: 120.5,
      heartbeat: { sent: 10, received: 10, successRate: 1 },
      errors: 0
    },
    ...overrides
  }
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
