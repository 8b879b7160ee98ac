import { describe, expect, it } from '@jest/globals'
import { analyzeTrend, toReportTrend } from '../../src/history/trend.js'
import { toHistoryRecord } from '../../src/history/record.js'
import {
  trendMarkdown,
  trendSummarySection,
  trendTextLines
} from '../../src/report/trend-section.js'
import { makeConfig } from '../fixtures/builders.js'
import { DEFAULT_REGRESSION } from '../fixtures/schema-defaults.js'
import { makeReport, makeRunMetrics } from '../fixtures/reports.js'

const TREND = { regression: DEFAULT_REGRESSION }

function reportWithP95(run: number, p95: number) {
  const base = makeRunMetrics()
  return makeReport({
    startedAt: new Date(Date.UTC(2026, 10, 1, run)).toISOString(),
    metrics: { ...base, latencyMs: { ...base.latencyMs, p95 } }
  })
}

function recordWithP95(run: number, p95: number) {
  return toHistoryRecord(reportWithP95(run, p95))
}

describe('trend section', () => {
  it('is absent from a report without history', () => {
    expect(trendSummarySection(makeReport())).toEqual([])
  })

  it('says baselines need more runs, and charts nothing from a single run', () => {
    const trend = analyzeTrend([], recordWithP95(0, 50), makeConfig(), TREND)
    const text = trendMarkdown(trend, { k: DEFAULT_REGRESSION.k }).join('\n')
    expect(text).toContain('_0 previous run(s) of this target in the history._')
    expect(text).toContain('_Baselines need at least 5 earlier runs of this target._')
    expect(text).not.toContain('xychart-beta')
    expect(text).toContain(
      'No regression against the baseline and no predicted threshold crossing.'
    )
  })

  it('charts the runs with the baseline band clamped at 0 and the threshold', () => {
    const p95s = [10, 30, 5, 35, 8, 12]
    const history = p95s.slice(0, -1).map((p95, run) => recordWithP95(run, p95))
    const report = reportWithP95(5, p95s[5]!)
    const current = toHistoryRecord(report)
    const config = makeConfig({ thresholds: { p95LatencyMs: 300 } })
    const trend = analyzeTrend(history, current, config, TREND)
    report.trend = toReportTrend(trend)
    report.config = { ...report.config, regressionK: 3, thresholds: { p95LatencyMs: 300 } }
    const text = trendSummarySection(report).join('\n')
    expect(text).toContain('title "p95 latency (ms), last 6 runs"')
    // No commits recorded: the runs' dates (UTC) label the x-axis.
    expect(text).toContain(
      'x-axis "run (UTC)" ["11-01 00:00", "11-01 01:00", "11-01 02:00", "11-01 03:00", "11-01 04:00", "11-01 05:00"]'
    )
    expect(text).toContain('  line [10, 30, 5, 35, 8, 12]')
    // A 300 ms threshold against 5-35 ms would flatten the runs: stated, not drawn.
    expect(text).not.toContain('  line [300, 300, 300, 300, 300, 300]')
    expect(text).toContain('threshold 300 ms, far above these values (not drawn)')
    // Median 10 ± a wide noise band (3 × 7.4 ms): the lower edge stops at 0 ms, never below.
    expect(text).toMatch(/ {2}line \[0, 0, 0, 0, 0, 0\]/)
    expect(text).toContain('grey: baseline band upper edge')
    expect(text).toContain('| p95 latency | 10 ms ± 22.2 ms | 5 | 12 ms |')
    const lines = trendTextLines(trend, { k: 3 }).join('\n')
    expect(lines).toContain('Regressions: none')
    expect(lines).toContain('Predictions: none')
  })

  it("labels runs with their commit's short SHA and draws a threshold near the data", () => {
    const p95s = [100, 120, 110, 130, 125, 140]
    const records = p95s.map((p95, run) => ({
      ...recordWithP95(run, p95),
      commit: `${String(run).repeat(7)}abcdef0123456789abcdef0123456789a`.slice(0, 40)
    }))
    const trend = analyzeTrend(
      records.slice(0, -1),
      records.at(-1)!,
      makeConfig({ thresholds: { p95LatencyMs: 200 } }),
      TREND
    )
    const text = trendMarkdown(trend, {
      k: DEFAULT_REGRESSION.k,
      thresholds: { p95LatencyMs: 200 }
    }).join('\n')
    expect(text).toContain('x-axis "commit" [0000000, 1111111, 2222222, 3333333, 4444444, 5555555]')
    expect(text).toContain('  line [200, 200, 200, 200, 200, 200]')
    expect(text).toContain('red: threshold')
    expect(text).toContain('y-axis "ms" 0 --> 250')
  })

  it("draws the band at the report's regression_k, and at the schema's default when none is recorded", () => {
    const history = [10, 30, 5, 35, 8].map((p95, run) => recordWithP95(run, p95))
    const report = reportWithP95(5, 12)
    report.trend = toReportTrend(
      analyzeTrend(history, toHistoryRecord(report), makeConfig(), TREND)
    )
    report.config = { ...report.config, regressionK: 2 }
    expect(trendSummarySection(report).join('\n')).toContain('Baseline (median ± 2·MAD)')
    const { regressionK: _recorded, ...unrecorded } = report.config
    report.config = unrecorded
    expect(trendSummarySection(report).join('\n')).toContain(
      `Baseline (median ± ${DEFAULT_REGRESSION.k}·MAD)`
    )
  })
})
