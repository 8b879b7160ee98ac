import { describe, it, expect, beforeEach, afterEach } from '@jest/globals'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunReport } from '../../src/engine/model.js'
import { regressionOptions } from '../../src/history/baseline.js'
import { describeAlerts } from '../../src/history/describe.js'
import { appendRecord, readHistory } from '../../src/history/file-store.js'
import { toHistoryRecord } from '../../src/history/record.js'
import { analyzeTrend, toReportTrend } from '../../src/history/trend.js'
import { makeConfig } from '../fixtures/builders.js'
import { makeReport, makeRunMetrics } from '../fixtures/reports.js'
import { noise } from './make-record.js'

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsh-pipeline-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function reportOfRun(run: number, p95: number): RunReport {
  const base = makeRunMetrics()
  return makeReport({
    startedAt: new Date(Date.UTC(2026, 10, 1, run)).toISOString(),
    metrics: { ...base, latencyMs: { ...base.latencyMs, p95 } }
  })
}

describe('report -> history file -> trend block', () => {
  it('warns before p95 crosses its threshold, as the action will wire it', async () => {
    const file = join(dir, 'history.jsonl')
    const config = makeConfig({ thresholds: { p95LatencyMs: 300 } })
    const jitter = noise(9, 2)
    let last: RunReport | null = null
    for (let run = 0; run < 8; run++) {
      // Runs are an hour apart, p95 climbs 15 ms per run: 100 ... 205, crossing 300 at run 13.
      const report = reportOfRun(run, 100 + 15 * run + jitter())
      const current = toHistoryRecord(report, { commit: `sha${run}`, runId: run })
      const { records } = await readHistory(file)
      report.trend = toReportTrend(
        analyzeTrend(records, current, config, { regression: regressionOptions(config) })
      )
      await appendRecord(file, current, { keep: config.historyKeep })
      last = report
    }
    const trend = JSON.parse(JSON.stringify(last!.trend)) as {
      predictions: { metric: string; runsToCross: number; daysToCross: number | null }[]
      historySize: number
    }
    expect(trend.historySize).toBe(7)
    expect(trend.predictions).toHaveLength(1)
    expect(trend.predictions[0]!.metric).toBe('p95LatencyMs')
    expect(Math.abs(trend.predictions[0]!.runsToCross - 6)).toBeLessThanOrEqual(1)
    // Six hourly runs ahead is about a quarter of a day.
    expect(trend.predictions[0]!.daysToCross).toBeGreaterThan(0.15)
    expect(trend.predictions[0]!.daysToCross).toBeLessThan(0.35)

    const { records } = await readHistory(file)
    const current = records.pop()!
    const [alert] = describeAlerts(
      analyzeTrend(records, current, config, { regression: regressionOptions(config) })
    )
    expect(alert).toMatchObject({ kind: 'prediction', severity: 'warning' })
    expect(alert!.text).toMatch(
      /^predicted: p95 latency rising 1\d(\.\d)? ms\/run; crosses 300 ms in about [567] runs \(within a day\)/
    )
  })
})
