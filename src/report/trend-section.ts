/**
 * The trend of a run across its history, as a step-summary section (mermaid
 * line charts of the last runs with the baseline band and the threshold,
 * baselines, regressions, predictions) and as console text (also what
 * `ws-health history FILE` prints). Sentences come from src/history/describe.ts
 * so every surface says the same thing.
 */
import type { RunReport } from '../engine/model.js'
import { ConfigSchema } from '../config/schema.js'
import { METRIC_DIRECTIONS } from '../history/baseline.js'
import {
  METRIC_LABELS,
  describeAlerts,
  describePrediction,
  describeRegression,
  formatMetric
} from '../history/describe.js'
import { METRIC_KEYS, toHistoryRecord, type MetricKey } from '../history/record.js'
import type { SeriesMetric, TrendReport } from '../history/trend.js'
import { tableHead, tableRow } from '../format/markdown.js'
import { NOT_AVAILABLE } from '../format/figures.js'
import { CHART_COLORS, isFarAbove, xyChartLines, type ChartSeries } from './xychart.js'

/** Metrics charted in the summary, in this order. */
export const CHART_METRICS = ['p95LatencyMs', 'successRate', 'healthScore'] as const

const SEVERITY_ICONS = { critical: '🚨', warning: '⚠️', info: 'ℹ️' } as const

/** Thresholds the charts draw, keyed by metric (from the run's config). */
export type ChartThresholds = Partial<Record<SeriesMetric, number>>

export interface TrendViewOptions {
  /** Width of the baseline band in scaled MADs (config regressionK). */
  k: number
  thresholds?: ChartThresholds
  /** This run's value per metric (the "This run" column); default: the series' last values. */
  current?: Partial<Record<MetricKey, number | null>>
}

/** RunReport.trend read back as the TrendReport it was written from; null when absent. */
export function trendFromReport(report: RunReport): TrendReport | null {
  const trend = report.trend
  if (
    trend === undefined ||
    !Array.isArray(trend.alerts) ||
    !Array.isArray(trend.regressions) ||
    !Array.isArray(trend.predictions) ||
    typeof trend.series !== 'object' ||
    trend.series === null
  ) {
    return null
  }
  return trend as unknown as TrendReport
}

/** The band width and thresholds recorded in a report's (redacted) config. */
export function viewOptionsFromReport(report: RunReport): TrendViewOptions {
  const config = report.config as {
    regressionK?: unknown
    thresholds?: Record<string, unknown>
  }
  const thresholds: ChartThresholds = {}
  for (const metric of CHART_METRICS) {
    const value = config.thresholds?.[metric]
    if (typeof value === 'number') thresholds[metric] = value
  }
  // Every run records its regressionK; a report without a valid one (hand-built or edited)
  // is read at the schema's default rather than failing the summary.
  const recordedK = ConfigSchema.shape.regressionK.safeParse(config.regressionK)
  return {
    k: recordedK.success ? recordedK.data : ConfigSchema.shape.regressionK.parse(undefined),
    thresholds,
    current: toHistoryRecord(report).metrics
  }
}

/** The band width, checked: a missing k would print "± undefined·MAD". */
function bandWidth(options: TrendViewOptions): number {
  if (!Number.isFinite(options.k) || options.k < 0) {
    throw new RangeError(`k: got ${options.k}; expected a finite number >= 0 (regression_k)`)
  }
  return options.k
}

/** Chart numbers: ratios as percentages, everything else as is, 2 decimals at most. */
function chartValue(metric: MetricKey, value: number): number {
  const scaled = METRIC_LABELS[metric].unit === 'ratio' ? value * 100 : value
  return Math.round(scaled * 100) / 100
}

function chartUnit(metric: MetricKey): string {
  const unit = METRIC_LABELS[metric].unit
  if (unit === 'ratio') return '%'
  return unit === 'score' || unit === 'count' ? '' : unit
}

/** Edges of the band, kept inside the metric's possible range (no negative latency, no 101 %). */
function bandEdges(metric: MetricKey, median: number, width: number): [number, number] {
  const unit = METRIC_LABELS[metric].unit
  const max = unit === 'ratio' ? 1 : unit === 'score' ? 100 : Number.POSITIVE_INFINITY
  return [Math.max(0, median - width), Math.min(max, median + width)]
}

/** The x-axis label of a run: its commit's short SHA, else its date and time (UTC). */
export function runLabel(time: string, commit: string | null | undefined): string {
  if (typeof commit === 'string' && /^[0-9a-f]{7,40}$/i.test(commit)) return commit.slice(0, 7)
  return time.slice(5, 16).replace('T', ' ')
}

/** Highest value the chart's axis may show: percentages and scores stop at 100. */
function axisCap(metric: MetricKey): number | undefined {
  const unit = METRIC_LABELS[metric].unit
  return unit === 'ratio' || unit === 'score' ? 100 : undefined
}

/**
 * A mermaid line chart of one metric over the series (x: each run's short
 * SHA or date), with the baseline band and the threshold when they fit the
 * data's range; a threshold far above the data is stated under the chart.
 * Nothing with fewer than 2 points.
 */
function chart(trend: TrendReport, metric: SeriesMetric, options: TrendViewOptions): string[] {
  const commits = trend.series.commits ?? []
  const points = trend.series.metrics[metric]
    .map((value, index) => ({
      value,
      label: runLabel(trend.series.times[index] ?? '', commits[index])
    }))
    .filter((p): p is { value: number; label: string } => typeof p.value === 'number')
  if (points.length < 2) return []
  const label = METRIC_LABELS[metric].label
  const unit = chartUnit(metric)
  const values = points.map((p) => chartValue(metric, p.value))
  const flat = (value: number) => points.map(() => chartValue(metric, value))
  const series: ChartSeries[] = [{ name: `${label} per run`, color: CHART_COLORS.data, values }]
  const notes: string[] = []
  const base = trend.baseline[metric]
  const { k } = options
  if (base) {
    const [lower, upper] = bandEdges(metric, base.median, k * base.mad)
    const band = `baseline band ${formatMetric(metric, base.median)} ± ${formatMetric(metric, k * base.mad)} (median ± ${k}·MAD of ${base.n} runs)`
    if (isFarAbove(chartValue(metric, upper), values)) {
      notes.push(`${band}, not drawn: far above these values`)
    } else {
      series.push(
        { name: 'baseline band upper edge', color: CHART_COLORS.band, values: flat(upper) },
        { name: 'lower edge', color: CHART_COLORS.band, values: flat(lower) }
      )
      notes.push(band)
    }
  }
  const threshold = options.thresholds?.[metric]
  if (threshold !== undefined) {
    const limit = `threshold ${formatMetric(metric, threshold)}`
    // Only an upper limit can sit far above the data; a floor (success rate, score) stays within 0-100.
    const far =
      METRIC_DIRECTIONS[metric] === 'up-is-bad' && isFarAbove(chartValue(metric, threshold), values)
    if (far) {
      notes.push(`${limit}, far above these values (not drawn)`)
    } else {
      series.push({ name: 'threshold', color: CHART_COLORS.limit, values: flat(threshold) })
      notes.push(limit)
    }
  }
  const lines = xyChartLines({
    title: `${label}${unit === '' ? '' : ` (${unit})`}, last ${points.length} runs`,
    xLabel: axisLabel(
      points.map((p) => p.label),
      trend.series.times
    ),
    categories: points.map((p) => p.label),
    yLabel: unit === '' ? label : unit,
    series,
    yCap: axisCap(metric)
  })
  const caption = ['The last run is this one.']
  if (notes.length > 0) caption.push(`${capitalize(notes.join('; '))}.`)
  lines.push(`_${caption.join(' ')}_`, '')
  return lines
}

/** The x-axis title: what the labels are (short SHAs, dates, or both). */
function axisLabel(labels: readonly string[], times: readonly string[]): string {
  const dated = labels.filter((label) => times.some((time) => runLabel(time, null) === label))
  if (dated.length === 0) return 'commit'
  return dated.length === labels.length ? 'run (UTC)' : 'commit, or run date (UTC)'
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function baselineRows(trend: TrendReport, options: TrendViewOptions): string[][] {
  const { k } = options
  const rows: string[][] = []
  const last = trend.series.metrics
  for (const metric of METRIC_KEYS) {
    const base = trend.baseline[metric]
    if (!base) continue
    const series = (last as Partial<Record<MetricKey, (number | null)[]>>)[metric]
    const current = options.current ? options.current[metric] : series?.[series.length - 1]
    rows.push([
      METRIC_LABELS[metric].label,
      `${formatMetric(metric, base.median)} ± ${formatMetric(metric, k * base.mad)}`,
      String(base.n),
      typeof current === 'number' ? formatMetric(metric, current) : ''
    ])
  }
  return rows
}

/** The "Trends" section of the step summary. */
export function trendMarkdown(trend: TrendReport, options: TrendViewOptions): string[] {
  const k = bandWidth(options)
  const lines = [
    '### 📈 Trends',
    '',
    `_${trend.historySize} previous run(s) of this target in the history._`,
    ''
  ]
  const alerts = describeAlerts(trend)
  if (alerts.length === 0) {
    lines.push('No regression against the baseline and no predicted threshold crossing.', '')
  } else {
    for (const alert of alerts) lines.push(`- ${SEVERITY_ICONS[alert.severity]} ${alert.text}`)
    lines.push('')
  }
  for (const metric of CHART_METRICS) lines.push(...chart(trend, metric, options))
  const rows = baselineRows(trend, options)
  if (rows.length === 0) {
    lines.push('_Baselines need at least 5 earlier runs of this target._', '')
  } else {
    lines.push(...tableHead(['Metric', `Baseline (median ± ${k}·MAD)`, 'Runs', 'This run']))
    for (const row of rows) lines.push(tableRow(row))
    lines.push('')
  }
  if (trend.regressions.length > 0) {
    lines.push('**Regressions**', '')
    for (const r of trend.regressions) lines.push(`- ${describeRegression(r)}`)
    lines.push('')
  }
  if (trend.predictions.length > 0) {
    lines.push('**Predictions**', '')
    for (const p of trend.predictions) lines.push(`- ${describePrediction(p)}`)
    lines.push('')
  }
  return lines
}

/** The Trends section for a report, or nothing when the run kept no history. */
export function trendSummarySection(report: RunReport): string[] {
  const trend = trendFromReport(report)
  return trend === null ? [] : trendMarkdown(trend, viewOptionsFromReport(report))
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length)
}

function seriesCell(trend: TrendReport, metric: SeriesMetric, index: number): string {
  const value = trend.series.metrics[metric][index]
  return typeof value === 'number' ? formatMetric(metric, value) : NOT_AVAILABLE
}

/** Console lines: last runs, baselines, regressions, predictions and alerts. */
export function trendTextLines(trend: TrendReport, options: TrendViewOptions): string[] {
  const k = bandWidth(options)
  const lines = [`📈 Trends (${trend.historySize} previous run(s) of this target):`, '  Last runs:']
  const widths = [26, 10, 7, 12, 10]
  lines.push(
    `    ${['time', 'status', 'score', 'p95', 'success'].map((h, i) => pad(h, widths[i]!)).join('')}`.trimEnd()
  )
  trend.series.times.forEach((time, index) => {
    const cells = [
      time,
      trend.series.statuses[index] ?? '',
      seriesCell(trend, 'healthScore', index),
      seriesCell(trend, 'p95LatencyMs', index),
      seriesCell(trend, 'successRate', index)
    ]
    lines.push(
      `    ${cells
        .map((cell, i) => pad(cell, widths[i]!))
        .join('')
        .trimEnd()}`
    )
  })
  const rows = baselineRows(trend, options)
  if (rows.length === 0) {
    lines.push('  Baseline: needs at least 5 earlier runs of this target')
  } else {
    lines.push(`  Baseline (median ± ${k}·MAD):`)
    for (const [label, band, n, current] of rows) {
      lines.push(`    ${label}: ${band} over ${n} runs${current ? `; this run ${current}` : ''}`)
    }
  }
  lines.push(`  Regressions: ${trend.regressions.length === 0 ? 'none' : ''}`.trimEnd())
  for (const r of trend.regressions) lines.push(`    - ${describeRegression(r)}`)
  lines.push(`  Predictions: ${trend.predictions.length === 0 ? 'none' : ''}`.trimEnd())
  for (const p of trend.predictions) lines.push(`    - ${describePrediction(p)}`)
  const alerts = describeAlerts(trend)
  if (alerts.length > 0) {
    lines.push('  Alerts:')
    for (const alert of alerts) lines.push(`    ${SEVERITY_ICONS[alert.severity]} ${alert.text}`)
  }
  return lines
}

/** Console lines for a report's trend, or nothing when the run kept no history. */
export function trendConsoleLines(report: RunReport): string[] {
  const trend = trendFromReport(report)
  return trend === null ? [] : [...trendTextLines(trend, viewOptionsFromReport(report)), '']
}
