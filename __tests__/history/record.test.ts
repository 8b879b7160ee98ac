import { describe, it, expect } from '@jest/globals'
import type { RunReport } from '../../src/engine/model.js'
import {
  HistoryRecordSchema,
  toHistoryRecord,
  MAX_SUITE_METRICS
} from '../../src/history/record.js'
import {
  makeReport as makeSharedReport,
  makeRunMetrics,
  makeSuiteResult
} from '../fixtures/reports.js'

/** A degraded run whose numbers the record assertions below quote. */
function makeReport(overrides: Partial<RunReport> = {}): RunReport {
  return makeSharedReport({
    status: 'degraded',
    healthScore: 88,
    target: 'ws://127.0.0.1:9/ws',
    durationMs: 60_000,
    config: { url: 'ws://127.0.0.1:9/ws' },
    suites: [
      makeSuiteResult({
        id: 'latency-performance',
        title: 'Latency',
        critical: false,
        durationMs: 1000,
        checks: [],
        metrics: {
          slopeMsPerMin: 0.5,
          label: 'text is dropped',
          nested: { a: 1 },
          ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`m${i}`, i]))
        }
      }),
      makeSuiteResult({
        id: 'self-healing',
        title: 'Self-healing',
        status: 'skipped',
        durationMs: 0,
        checks: []
      })
    ],
    metrics: makeRunMetrics({
      latencyMs: { avg: 12, p50: 10, p95: 30, p99: 45, max: 80, count: 500 },
      successRate: 0.98,
      messagesSent: 500,
      messagesReceived: 500,
      recoveryTimeMs: { avg: 300, max: 450 },
      connectTimeMs: { avg: 4, p95: 9 },
      throughputMsgsPerSec: 250,
      errors: 1
    }),
    ...overrides
  })
}

describe('toHistoryRecord', () => {
  it('keeps the key metrics, meta and a few numeric suite metrics', () => {
    const record = toHistoryRecord(makeReport(), {
      commit: 'abc123',
      ref: 'refs/heads/main',
      runId: 77
    })
    expect(record).toMatchObject({
      v: 1,
      time: '2026-11-25T03:00:00.000Z',
      commit: 'abc123',
      ref: 'refs/heads/main',
      runId: '77',
      target: 'ws://127.0.0.1:9/ws',
      status: 'degraded',
      healthScore: 88,
      metrics: {
        healthScore: 88,
        avgLatencyMs: 12,
        p50LatencyMs: 10,
        p95LatencyMs: 30,
        p99LatencyMs: 45,
        successRate: 0.98,
        deliveryRate: 1,
        reconnections: 2,
        recoveryTimeMaxMs: 450,
        connectTimeAvgMs: 4,
        throughputMsgsPerSec: 250,
        errors: 1
      }
    })
    const latency = record.suites[0]!
    expect(latency.id).toBe('latency-performance')
    expect(latency.metrics['slopeMsPerMin']).toBe(0.5)
    expect(Object.keys(latency.metrics)).toHaveLength(MAX_SUITE_METRICS)
    expect(latency.metrics).not.toHaveProperty('label')
    expect(record.suites[1]).toEqual({ id: 'self-healing', status: 'skipped', metrics: {} })
    expect(HistoryRecordSchema.safeParse(JSON.parse(JSON.stringify(record))).success).toBe(true)
    expect(JSON.stringify(record).length).toBeLessThan(2048)
  })

  it('records unmeasured metrics as null and meta as null when absent', () => {
    const report = makeReport()
    report.metrics.latencyMs = { avg: null, p50: null, p95: null, p99: null, max: null, count: 0 }
    report.metrics.successRate = null
    report.metrics.throughputMsgsPerSec = Number.NaN
    const record = toHistoryRecord(report)
    expect(record.commit).toBeNull()
    expect(record.runId).toBeNull()
    expect(record.metrics.p95LatencyMs).toBeNull()
    expect(record.metrics.successRate).toBeNull()
    expect(record.metrics.throughputMsgsPerSec).toBeNull()
    expect(JSON.stringify(record)).not.toContain('NaN')
  })
})

describe('history record target', () => {
  it('never keeps a credential of the target URL', () => {
    const record = toHistoryRecord(
      makeReport({ target: 'wss://user:pw@host.test/ws?jwt=JWTVALUE&resume=RESUMEVALUE&room=1' })
    )
    expect(record.target).not.toMatch(/JWTVALUE|RESUMEVALUE|:pw@/)
    expect(record.target).toContain('room=1')
  })
})
