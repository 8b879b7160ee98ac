import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { SUITE_IDS } from '../../src/engine/model.js'
import {
  NOT_RUN,
  OUTPUT_NAMES,
  suiteStatusOutputName,
  toOutputs
} from '../../src/report/outputs.js'
import { DESIGN_OUTPUTS } from '../fixtures/design-outputs.js'
import { emptyRunMetrics, makeReport, makeSuiteResult } from '../fixtures/reports.js'

describe('toOutputs', () => {
  it('sets every DESIGN.md output, and nothing else', () => {
    const outputs = toOutputs(makeReport(), { reportPath: '/tmp/r.json' })
    expect(Object.keys(outputs).sort()).toEqual([...DESIGN_OUTPUTS].sort())
    expect([...OUTPUT_NAMES].sort()).toEqual([...DESIGN_OUTPUTS].sort())
  })

  it('sets exactly the outputs action.yml declares', () => {
    const action = parse(readFileSync('action.yml', 'utf8')) as { outputs: Record<string, unknown> }
    expect(Object.keys(toOutputs(makeReport())).sort()).toEqual(Object.keys(action.outputs).sort())
  })

  it('formats measured metrics as plain numbers with fixed rounding', () => {
    const outputs = toOutputs(makeReport({ status: 'degraded' }), { reportPath: '/tmp/r.json' })
    expect(outputs).toMatchObject({
      status: 'degraded',
      health_score: '92.5',
      avg_latency_ms: '45.23',
      p50_latency_ms: '42.15',
      p95_latency_ms: '89.34',
      p99_latency_ms: '125.67',
      success_rate: '0.985',
      delivery_rate: '1',
      reconnections: '2',
      recovery_time_ms: '850.5',
      connect_time_ms: '3.46',
      messages_sent: '200',
      messages_received: '200',
      throughput: '123.46',
      report_path: '/tmp/r.json',
      issue_number: '',
      predictive_alert: 'false'
    })
  })

  it('renders unmeasured metrics as n/a, never 0', () => {
    const outputs = toOutputs(makeReport({ metrics: emptyRunMetrics(), status: 'failed' }))
    for (const name of [
      'avg_latency_ms',
      'p50_latency_ms',
      'p95_latency_ms',
      'p99_latency_ms',
      'success_rate',
      'delivery_rate',
      'recovery_time_ms',
      'connect_time_ms',
      'throughput'
    ]) {
      expect([name, outputs[name]]).toEqual([name, 'n/a'])
    }
    expect(outputs.report_path).toBe('')
  })

  it('gives each suite its status and unselected suites not-run', () => {
    const report = makeReport({
      suites: [
        makeSuiteResult({ id: 'connection-lifecycle', status: 'failed' }),
        makeSuiteResult({ id: 'self-healing', status: 'skipped' })
      ]
    })
    const outputs = toOutputs(report)
    expect(outputs.connection_lifecycle_status).toBe('failed')
    expect(outputs.self_healing_status).toBe('skipped')
    for (const id of SUITE_IDS.slice(2)) expect(outputs[suiteStatusOutputName(id)]).toBe(NOT_RUN)
  })

  it('gives stress outputs as n/a when stress mode did not run', () => {
    expect(toOutputs(makeReport())).toMatchObject({
      stress_breaking_point_connections: 'n/a',
      stress_breaking_point_msgs_per_sec: 'n/a',
      stress_max_connections: 'n/a'
    })
  })

  it('sets tool_lag_p99_ms from metrics.tool, n/a for a report without it', () => {
    expect(toOutputs(makeReport()).tool_lag_p99_ms).toBe('n/a')
    const report = makeReport()
    report.metrics.tool = {
      eventLoopLagMs: { p50: 0.1, p99: 12.345, max: 40 },
      cpuPercent: 30,
      lagAffectsLatency: true
    }
    expect(toOutputs(report).tool_lag_p99_ms).toBe('12.35')
  })

  it('passes the issue number through when one is known', () => {
    expect(toOutputs(makeReport(), { issueNumber: 42 }).issue_number).toBe('42')
  })

  it('sets predictive_alert to true only when a prediction was raised', () => {
    expect(toOutputs(makeReport(), { predictiveAlert: true }).predictive_alert).toBe('true')
    expect(toOutputs(makeReport(), { predictiveAlert: false }).predictive_alert).toBe('false')
  })
})
