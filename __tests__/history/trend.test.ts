import { describe, it, expect } from '@jest/globals'
import { ThresholdsSchema } from '../../src/config/schema.js'
import { computeBaselines, findRegressions, MAD_SCALE } from '../../src/history/baseline.js'
import { predictCrossings } from '../../src/history/predict.js'
import { analyzeTrend, toReportTrend } from '../../src/history/trend.js'
import {
  describeAlerts,
  describePrediction,
  describeRegression
} from '../../src/history/describe.js'
import { makeRecord, makeSeries, noise } from './make-record.js'

const thresholds = ThresholdsSchema.parse({})
const config = { thresholds }
/** The band width and minimum change these cases are built around (the schema's defaults too). */
const REGRESSION = { k: 3, minRelativeChange: 0.2 }
const TREND = { regression: REGRESSION }

describe('flat history with noise', () => {
  it('raises no regression, prediction or alert', () => {
    const jitter = noise(7, 15)
    const series = makeSeries(21, () => ({
      p95LatencyMs: 200 + jitter(),
      p50LatencyMs: 30 + jitter() / 5,
      p99LatencyMs: 400 + jitter() * 2,
      successRate: 0.99 + jitter() / 2000,
      healthScore: 95 + jitter() / 10
    }))
    const current = series.pop()!
    const trend = analyzeTrend(series, current, config, TREND)
    expect(trend.baseline.p95LatencyMs?.n).toBe(10)
    expect(trend.regressions).toEqual([])
    expect(trend.predictions).toEqual([])
    expect(trend.alerts).toEqual([])
  })
})

describe('steady climb', () => {
  // p95 = 200 + 20 ms per run with ±3 ms seeded noise; threshold 500 ms.
  // Run 9 is current: the line crosses 500 at run 15, i.e. 6 runs (and 6 days) ahead.
  const jitter = noise(42, 3)
  const series = makeSeries(10, (i) => ({ p95LatencyMs: 200 + 20 * i + jitter() }))
  const current = series.pop()!

  it('predicts the crossing within one run, with its confidence', () => {
    const predictions = predictCrossings(series, current, thresholds)
    expect(predictions).toHaveLength(1)
    const p = predictions[0]!
    expect(p).toMatchObject({ kind: 'prediction', metric: 'p95LatencyMs', severity: 'warning' })
    expect(p.threshold).toBe(500)
    expect(Math.abs(p.runsToCross - 6)).toBeLessThanOrEqual(1)
    expect(p.daysToCross).not.toBeNull()
    expect(Math.abs(p.daysToCross! - 6)).toBeLessThanOrEqual(1)
    expect(p.slopePerRun).toBeGreaterThan(18)
    expect(p.slopePerRun).toBeLessThan(22)
    expect(p.r2).toBeGreaterThan(0.98)
    expect(p.points).toBe(10)
    expect(p.current).toBe(current.metrics.p95LatencyMs)
  })

  it('renders the sentence the summary shows', () => {
    const [p] = predictCrossings(series, current, thresholds)
    expect(describePrediction(p!)).toMatch(
      /^p95 latency rising (19|20|21)(\.\d)? ms\/run; crosses 500 ms in about [567] runs \(about [567] days\); r² (0\.9\d?|1) over 10 runs$/
    )
  })

  it('raises nothing with too few points, a poor fit or a far crossing', () => {
    expect(predictCrossings(series.slice(-3), current, thresholds)).toEqual([])
    expect(predictCrossings(series, current, thresholds, { horizonRuns: 3 })).toEqual([])
    const wild = noise(3, 150)
    const scattered = makeSeries(10, (i) => ({ p95LatencyMs: 250 + 5 * i + wild() }))
    const last = scattered.pop()!
    expect(predictCrossings(scattered, last, thresholds)).toEqual([])
  })

  it('raises nothing once the threshold is already crossed', () => {
    const crossed = makeRecord(9, { p95LatencyMs: 520 })
    expect(predictCrossings(series, crossed, thresholds)).toEqual([])
  })

  it('treats a falling success rate as critical', () => {
    const falling = makeSeries(8, (i) => ({ successRate: 1 - 0.005 * i }))
    const now = falling.pop()!
    const [p] = predictCrossings(falling, now, thresholds)
    expect(p).toMatchObject({ metric: 'successRate', severity: 'critical', threshold: 0.95 })
    // 1 - 0.005 x = 0.95 at x = 10; current is x = 7.
    expect(p!.runsToCross).toBe(3)
  })

  it('gives no day estimate when run times are unknown', () => {
    const untimed = series.map((r) => ({ ...r, time: 'not a time' }))
    const [p] = predictCrossings(untimed, { ...current, time: 'not a time' }, thresholds)
    expect(p!.daysToCross).toBeNull()
    expect(p!.slopePerDay).toBeNull()
  })

  it('rejects bad options naming them', () => {
    expect(() => predictCrossings(series, current, thresholds, { minR2: 2 })).toThrow(
      /minR2: got 2/
    )
    expect(() => predictCrossings(series, current, thresholds, { window: 0 })).toThrow(RangeError)
  })
})

describe('single spike', () => {
  const jitter = noise(11, 100)
  const history = makeSeries(10, () => ({ p95LatencyMs: 200 + jitter() }))

  it('a noisy run inside median ± k·MAD does not alert even when over 20 % worse', () => {
    const base = computeBaselines(history).p95LatencyMs!
    const spike = base.median + 2.5 * base.mad
    // The relative rule alone would alert; the noise band is what holds it back.
    expect(spike / base.median - 1).toBeGreaterThan(0.2)
    expect(findRegressions(history, makeRecord(10, { p95LatencyMs: spike }), REGRESSION)).toEqual(
      []
    )
    const beyond = base.median + 3.5 * base.mad
    expect(
      findRegressions(history, makeRecord(10, { p95LatencyMs: beyond }), REGRESSION)
    ).toHaveLength(1)
  })

  it('a past outlier does not move the baseline', () => {
    const withOutlier = [...history.slice(0, 9), makeRecord(9, { p95LatencyMs: 5000 })]
    const base = computeBaselines(withOutlier).p95LatencyMs!
    expect(base.median).toBeLessThan(240)
    const trend = analyzeTrend(withOutlier, makeRecord(10, { p95LatencyMs: 210 }), config, TREND)
    expect(trend.regressions).toEqual([])
  })

  it('outside the band but under the minimum relative change does not alert', () => {
    const flat = makeSeries(10, () => ({ p95LatencyMs: 200 }))
    expect(findRegressions(flat, makeRecord(10, { p95LatencyMs: 230 }), REGRESSION)).toEqual([])
  })
})

describe('step change', () => {
  const jitter = noise(5, 5)
  const history = makeSeries(10, () => ({ p95LatencyMs: 200 + jitter(), successRate: 1 }))

  it('flags a latency step as a warning regression with its band', () => {
    const current = makeRecord(10, { p95LatencyMs: 320 })
    const [r, ...rest] = findRegressions(history, current, REGRESSION)
    expect(rest).toEqual([])
    expect(r).toMatchObject({
      kind: 'regression',
      metric: 'p95LatencyMs',
      severity: 'warning',
      n: 10
    })
    expect(r!.relativeChange).toBeGreaterThan(0.5)
    expect(r!.upper).toBeCloseTo(r!.median + 3 * r!.mad, 10)
    expect(describeRegression(r!)).toMatch(
      /^p95 latency 320 ms vs baseline 2\d\d ms ± [\d.]+ ms \(median of 10 runs\), \+\d+(\.\d)?%$/
    )
  })

  it('flags a success-rate drop as critical, sorted first among alerts', () => {
    const current = makeRecord(10, { p95LatencyMs: 320, successRate: 0.7 })
    const trend = analyzeTrend(history, current, config, TREND)
    expect(trend.alerts.map((a) => [a.kind, a.metric, a.severity])).toEqual([
      ['regression', 'successRate', 'critical'],
      ['regression', 'p95LatencyMs', 'warning']
    ])
    const described = describeAlerts(trend)
    expect(described[0]!.text).toMatch(/^regression: success rate 70% vs baseline 100%/)
  })

  it('does not flag an improvement', () => {
    expect(
      findRegressions(history, makeRecord(10, { p95LatencyMs: 50, successRate: 1 }), REGRESSION)
    ).toEqual([])
  })
})

describe('baseline edge cases', () => {
  it('with MAD = 0 the minimum relative change decides', () => {
    const flat = makeSeries(6, () => ({ p95LatencyMs: 200 }))
    expect(computeBaselines(flat).p95LatencyMs).toEqual({ median: 200, mad: 0, n: 6 })
    expect(findRegressions(flat, makeRecord(6, { p95LatencyMs: 250 }), REGRESSION)).toHaveLength(1)
    expect(findRegressions(flat, makeRecord(6, { p95LatencyMs: 239 }), REGRESSION)).toEqual([])
  })

  it('a zero median uses the absolute floor: one error does not alert, five do', () => {
    const clean = makeSeries(6, () => ({ errors: 0 }))
    expect(findRegressions(clean, makeRecord(6, { errors: 1 }), REGRESSION)).toEqual([])
    const [r] = findRegressions(clean, makeRecord(6, { errors: 5 }), REGRESSION)
    expect(r).toMatchObject({ metric: 'errors', severity: 'critical', relativeChange: null })
  })

  it('needs minPoints measured runs and scales MAD by 1.4826', () => {
    const few = makeSeries(4, () => ({}))
    expect(computeBaselines(few)).toEqual({})
    const values = [10, 12, 14, 16, 18]
    const series = makeSeries(5, (i) => ({ p95LatencyMs: values[i]! }))
    expect(computeBaselines(series).p95LatencyMs!.mad).toBeCloseTo(2 * MAD_SCALE, 10)
    // recoveryTimeMaxMs is null in every run: no baseline, no crash.
    expect(computeBaselines(series).recoveryTimeMaxMs).toBeUndefined()
  })

  it('honours direction overrides and rejects bad options', () => {
    const flat = makeSeries(6, () => ({ throughputMsgsPerSec: 500 }))
    const up = makeRecord(6, { throughputMsgsPerSec: 900 })
    expect(findRegressions(flat, up, REGRESSION)).toEqual([])
    expect(
      findRegressions(flat, up, {
        ...REGRESSION,
        directions: { throughputMsgsPerSec: 'up-is-bad' }
      })
    ).toHaveLength(1)
    expect(() => findRegressions(flat, up, { ...REGRESSION, k: -1 })).toThrow(/k: got -1/)
    expect(() => computeBaselines(flat, { window: 1.5 })).toThrow(/window: got 1.5/)
  })
})

describe('analyzeTrend', () => {
  it('reports recovery as info after failing runs', () => {
    const history = [
      makeRecord(0),
      makeRecord(1, {}, { status: 'failed' }),
      makeRecord(2, {}, { status: 'degraded' })
    ]
    const trend = analyzeTrend(history, makeRecord(3), config, TREND)
    expect(trend.recovery).toEqual({
      kind: 'recovery',
      severity: 'info',
      failedRuns: 2,
      previousStatus: 'degraded'
    })
    expect(trend.alerts).toEqual([{ kind: 'recovery', severity: 'info', metric: null }])
    expect(describeAlerts(trend)[0]!.text).toBe(
      'recovered: passed after 2 runs that did not pass (last was degraded)'
    )
    expect(analyzeTrend(history.slice(0, 1), makeRecord(1), config, TREND).recovery).toBeNull()
  })

  it('works on an empty history', () => {
    const trend = analyzeTrend([], makeRecord(0), config, TREND)
    expect(trend).toMatchObject({
      historySize: 0,
      baseline: {},
      regressions: [],
      predictions: [],
      recovery: null,
      alerts: []
    })
    expect(trend.series.times).toEqual([makeRecord(0).time])
    expect(trend.series.metrics.p95LatencyMs).toEqual([200])
  })

  it('ignores runs against another target and charts the last runs', () => {
    const mine = makeSeries(12, (i) => ({ p95LatencyMs: 200 + i }))
    const other = makeSeries(6, () => ({ p95LatencyMs: 9000 })).map((r) => ({
      ...r,
      target: 'ws://elsewhere/ws'
    }))
    const current = makeRecord(12, { p95LatencyMs: 212, successRate: null })
    const trend = analyzeTrend([...mine, ...other], current, config, { ...TREND, seriesLength: 5 })
    expect(trend.historySize).toBe(12)
    expect(trend.baseline.p95LatencyMs!.median).toBeLessThan(300)
    expect(trend.regressions).toEqual([])
    expect(trend.series.metrics.p95LatencyMs).toEqual([208, 209, 210, 211, 212])
    expect(trend.series.metrics.successRate).toEqual([1, 1, 1, 1, null])
    expect(trend.series.statuses).toHaveLength(5)
    expect(() => analyzeTrend(mine, current, config, { ...TREND, seriesLength: 0 })).toThrow(
      /seriesLength: got 0/
    )
  })

  it('converts to a JSON-safe report block', () => {
    const jitter = noise(42, 3)
    const series = makeSeries(10, (i) => ({ p95LatencyMs: 200 + 20 * i + jitter() }))
    const current = series.pop()!
    const trend = analyzeTrend(series, current, config, TREND)
    const block = toReportTrend(trend)
    expect(JSON.parse(JSON.stringify(block))).toEqual(block)
    expect(block['predictions']).toHaveLength(1)
    const broken = toReportTrend({ ...trend, historySize: Number.NaN })
    expect(broken['historySize']).toBeNull()
  })
})
