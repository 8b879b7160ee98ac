/**
 * Issue 18 section 2, k6-style gating: an explicit threshold the service
 * misses fails the run even in a non-critical suite; defaults keep the
 * verdict rules; fail_on_regression fails on a regression in the trend.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXIT, main } from '../../src/cli.js'
import { judgeGate } from '../../src/engine/gate.js'
import type { RunReport } from '../../src/engine/model.js'
import { failsRun } from '../../src/engine/verdict.js'
import type { Regression } from '../../src/history/baseline.js'
import { startReferenceServer } from '../../src/server/reference-server.js'
import { captureIo } from '../e2e/cli-io.js'
import { makeReport, makeReportCheck, makeSuiteResult } from '../fixtures/reports.js'
import { makeRecord } from '../history/make-record.js'
import { startSlowServer } from '../fixtures/faulty-servers.js'

let dir = ''
let server: { url: string; close(): Promise<void> } | undefined

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsh-gate-'))
})

afterEach(async () => {
  await server?.close()
  server = undefined
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/**
 * The slow fixture answers every probe 400 ms late, so a 50 ms p50 limit is
 * missed by far more than this process's own event-loop lag under load (a
 * miss within that lag would be inconclusive, not a miss: tool-lag.ts).
 */
const REPLY_DELAY_MS = 400
const MISSED_P50_MS = '50'

describe('explicit thresholds on a real run', () => {
  it('a missed --p50 fails the run (exit 1) although latency-performance is non-critical', async () => {
    server = await startSlowServer(REPLY_DELAY_MS)
    const io = captureIo()
    const reportPath = join(dir, 'gated.json')
    const args = ['run', '--url', server.url, '--suites', 'latency-performance', '--duration', '1']
    const code = await main([...args, '--p50', MISSED_P50_MS, '--report', reportPath], io)
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as RunReport

    // The verdict rules alone only degrade the run: the suite is non-critical.
    expect(report.status).toBe('degraded')
    expect(code).toBe(EXIT.failed)
    expect(report.config.explicitThresholds).toEqual(['p50LatencyMs'])
    expect(report.gate?.thresholdMisses.map((miss) => [miss.check, miss.threshold])).toEqual([
      ['latency-p50', 'p50LatencyMs']
    ])
    expect(io.err()).toContain('threshold you set: latency p50')
    expect(io.err()).toContain('misses p50_latency_ms < 50 ms')

    // The same report with that threshold as a default: today's verdict rules, exit 0.
    const asDefault = { ...report, config: { ...report.config, explicitThresholds: [] } }
    const gate = judgeGate(asDefault, { failOnRegression: false })
    expect(gate.thresholdMisses).toEqual([])
    expect(failsRun(report.status, 'failed', gate)).toBe(false)
    // fail_on never turns the gate off too.
    expect(failsRun(report.status, 'never', report.gate)).toBe(false)
  })

  it('--fail-on never keeps exit 0 with a missed explicit threshold', async () => {
    server = await startSlowServer(REPLY_DELAY_MS)
    const io = captureIo()
    const args = ['run', '--url', server.url, '--suites', 'latency-performance', '--duration', '1']
    const code = await main([...args, '--p50', MISSED_P50_MS, '--fail-on', 'never'], io)
    expect(io.out()).toContain('DEGRADED')
    expect(code).toBe(EXIT.healthy)
  })
})

describe('fail_on_regression on a real run with history', () => {
  /** Six earlier runs at 10 million msgs/s: no loopback run of 1 s gets near, so throughput regressed. */
  async function seededHistory(name: string, target: string): Promise<string> {
    const path = join(dir, `${name}.jsonl`)
    const records = Array.from({ length: 6 }, (_, index) =>
      makeRecord(index, { throughputMsgsPerSec: 10_000_000 }, { target })
    )
    await writeFile(path, records.map((record) => JSON.stringify(record)).join('\n') + '\n')
    return path
  }

  it('--fail-on-regression fails the run (exit 1) on the regression; without it the run passes', async () => {
    server = await startReferenceServer()
    const args = ['run', '--url', server.url, '--suites', 'latency-performance', '--duration', '1']

    const gated = captureIo()
    const gatedHistory = await seededHistory('gated', server.url)
    const code = await main([...args, '--history', gatedHistory, '--fail-on-regression'], gated)
    expect(gated.err()).toContain('regression (fail_on_regression): throughput')
    expect(code).toBe(EXIT.failed)

    const plain = captureIo()
    const plainHistory = await seededHistory('plain', server.url)
    expect(await main([...args, '--history', plainHistory], plain)).toBe(EXIT.healthy)
    // The regression is still reported, it just does not fail the run.
    expect(plain.out()).toMatch(/throughput [\d.]+ msgs\/s vs baseline 10000000 msgs\/s/)
  }, 60_000)
})

describe('judgeGate', () => {
  const latencySuite = (value: number, limit: number) =>
    makeSuiteResult({
      id: 'latency-performance',
      title: 'Latency & Performance',
      critical: false,
      status: value < limit ? 'passed' : 'failed',
      checks: [
        makeReportCheck({
          id: 'latency-p95',
          title: 'latency p95',
          status: value < limit ? 'passed' : 'failed',
          value,
          threshold: { op: '<', value: limit }
        })
      ]
    })

  it('counts a miss only against the value the user set', () => {
    const config = { explicitThresholds: ['successRate'], thresholds: { successRate: 0.9 } }
    const heartbeat = makeSuiteResult({
      id: 'heartbeat-monitoring',
      checks: [
        // Judged against heartbeat_success_rate's default 0.95, above the user's 0.9.
        makeReportCheck({
          id: 'heartbeat-success-rate',
          status: 'failed',
          value: 0.92,
          unit: 'ratio',
          threshold: { op: '>=', value: 0.95 }
        })
      ]
    })
    expect(
      judgeGate(makeReport({ config, suites: [heartbeat] }), { failOnRegression: false })
    ).toEqual({ thresholdMisses: [], regressions: [] })
    const ownLimit = {
      ...heartbeat,
      checks: [
        { ...heartbeat.checks[0]!, value: 0.85, threshold: { op: '>=' as const, value: 0.9 } }
      ]
    }
    const gate = judgeGate(makeReport({ config, suites: [ownLimit] }), { failOnRegression: false })
    expect(gate.thresholdMisses).toMatchObject([
      { suite: 'heartbeat-monitoring', check: 'heartbeat-success-rate', threshold: 'successRate' }
    ])
  })

  it('leaves passed, skipped, conformance and client-scope checks alone', () => {
    const config = { explicitThresholds: ['p95LatencyMs'], thresholds: { p95LatencyMs: 300 } }
    const report = makeReport({ config, suites: [latencySuite(200, 300)] })
    expect(judgeGate(report, { failOnRegression: false }).thresholdMisses).toEqual([])
    const missed = latencySuite(320, 300)
    const conformance = {
      ...missed,
      checks: [{ ...missed.checks[0]!, status: 'degraded' as const, conformance: true as const }]
    }
    expect(
      judgeGate(makeReport({ config, suites: [conformance] }), { failOnRegression: false })
        .thresholdMisses
    ).toEqual([])
    expect(
      judgeGate(makeReport({ config, suites: [missed] }), { failOnRegression: false })
        .thresholdMisses
    ).toHaveLength(1)
  })

  const regression: Regression = {
    kind: 'regression',
    metric: 'p95LatencyMs',
    severity: 'warning',
    direction: 'up-is-bad',
    current: 640,
    median: 410,
    mad: 8,
    n: 10,
    lower: 386,
    upper: 434,
    relativeChange: 0.56
  }
  const withTrend = makeReport({
    trend: { regressions: [regression as never], predictions: [], alerts: [] }
  })

  it('fail_on_regression fails on a regression in the trend, whatever fail_on says', () => {
    const gate = judgeGate(withTrend, { failOnRegression: true })
    expect(gate.regressions).toEqual([regression])
    expect(failsRun('passed', 'failed', gate)).toBe(true)
    expect(failsRun('passed', 'never', gate)).toBe(true)
  })

  it('without fail_on_regression a regression fails nothing', () => {
    const gate = judgeGate(withTrend, { failOnRegression: false })
    expect(gate.regressions).toEqual([])
    expect(failsRun('passed', 'failed', gate)).toBe(false)
  })
})
