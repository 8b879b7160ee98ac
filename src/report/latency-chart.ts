/**
 * The latency distribution as a percentile curve (p50 to p99.9) read from
 * the report's latency histogram, with the p50/p95/p99 limits marked, so the
 * tail shows without one max sample flattening everything else. Reports
 * without the histogram (written by older versions) chart p50/p95/p99 only.
 */
import type { RunReport } from '../engine/model.js'
import { histogramFromJson } from '../metrics/histogram.js'
import { formatMs } from '../format/figures.js'
import { CHART_COLORS, isFarAbove, xyChartLines, type ChartSeries } from './xychart.js'

interface Point {
  label: string
  value: number
  /** The limit this percentile must stay under: its own, or the next judged one above it. */
  limit: number | undefined
}

const CURVE: readonly { label: string; q: number; limit: 'p50' | 'p95' | 'p99' }[] = [
  { label: 'p50', q: 0.5, limit: 'p50' },
  { label: 'p75', q: 0.75, limit: 'p95' },
  { label: 'p90', q: 0.9, limit: 'p95' },
  { label: 'p95', q: 0.95, limit: 'p95' },
  { label: 'p99', q: 0.99, limit: 'p99' },
  { label: 'p99.9', q: 0.999, limit: 'p99' }
]

/** The p50/p95/p99 limits recorded in the report's config (ms); undefined when absent. */
export function latencyLimits(
  report: RunReport
): Record<'p50' | 'p95' | 'p99', number | undefined> {
  const thresholds = report.config.thresholds
  const read = (key: string): number | undefined => {
    if (typeof thresholds !== 'object' || thresholds === null || Array.isArray(thresholds)) {
      return undefined
    }
    const value = thresholds[key]
    return typeof value === 'number' ? value : undefined
  }
  return { p50: read('p50LatencyMs'), p95: read('p95LatencyMs'), p99: read('p99LatencyMs') }
}

function curvePoints(report: RunReport): Point[] {
  const limits = latencyLimits(report)
  const json = report.latencyHistogram?.latencyMs
  if (json !== undefined) {
    try {
      const histogram = histogramFromJson(json)
      if (histogram.count === 0) return []
      return CURVE.flatMap(({ label, q, limit }) => {
        const value = histogram.quantile(q)
        return value === null ? [] : [{ label, value, limit: limits[limit] }]
      })
    } catch {
      // A malformed block falls back to the summary below.
    }
  }
  const { latencyMs } = report.metrics
  if (latencyMs.count === 0) return []
  return (['p50', 'p95', 'p99'] as const).flatMap((key) => {
    const value = latencyMs[key]
    return value === null ? [] : [{ label: key, value, limit: limits[key] }]
  })
}

function limitsText(report: RunReport): string {
  const limits = latencyLimits(report)
  return (['p50', 'p95', 'p99'] as const)
    .flatMap((key) => (limits[key] === undefined ? [] : [`${key} < ${formatMs(limits[key])}`]))
    .join(', ')
}

/** The "Latency distribution" section: the curve, its limits and a caption; empty when nothing was measured. */
export function latencyDistributionSection(report: RunReport): string[] {
  const points = curvePoints(report)
  if (points.length < 2) return []
  const values = points.map((p) => p.value)
  const limits = points.map((p) => p.limit)
  const drawLimits =
    limits.every((limit): limit is number => limit !== undefined) &&
    !limits.some((limit) => isFarAbove(limit, values))
  const series: ChartSeries[] = [
    { name: 'round-trip latency at each percentile', color: CHART_COLORS.data, values }
  ]
  if (drawLimits) {
    series.push({
      name: 'the limit each percentile must stay under (p75/p90 under the p95 limit, p99.9 shown against the p99 limit)',
      color: CHART_COLORS.limit,
      values: limits as number[]
    })
  }
  const { latencyMs } = report.metrics
  const notes = [`${latencyMs.count} samples`, `max ${formatMs(latencyMs.max)} (not drawn)`]
  const stated = limitsText(report)
  if (!drawLimits && stated !== '') {
    notes.push(`limits ${stated} are far above these latencies, so they are stated here, not drawn`)
  }
  return [
    '### Latency distribution',
    '',
    ...xyChartLines({
      title: 'Round-trip latency by percentile (ms)',
      xLabel: 'percentile',
      categories: points.map((p) => p.label),
      yLabel: 'ms',
      series
    }),
    `_${notes.join('; ')}._`,
    ''
  ]
}
