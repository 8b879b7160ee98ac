/**
 * Mermaid xychart blocks for the step summary, written one way everywhere:
 * a fixed colour per series so the legend under the chart can name them
 * (xychart draws no legend of its own), a y-range that fits what is drawn,
 * and numbers mermaid's parser accepts (no exponent notation). A limit far
 * above the data would squash the data into a flat line at the bottom, so
 * callers state such a limit in text instead of drawing it (isFarAbove).
 */

/** Colours by role; the legend names them. */
export const CHART_COLORS = {
  data: '#2563eb',
  limit: '#dc2626',
  band: '#9ca3af',
  second: '#16a34a'
} as const

export const COLOR_NAMES: Record<string, string> = {
  [CHART_COLORS.data]: 'blue',
  [CHART_COLORS.limit]: 'red',
  [CHART_COLORS.band]: 'grey',
  [CHART_COLORS.second]: 'green'
}

export interface ChartSeries {
  /** What the legend calls it. */
  name: string
  color: string
  values: readonly number[]
  kind?: 'line' | 'bar'
}

export interface XyChart {
  title: string
  /** Highest value the y-axis may show (100 for percentages and scores). */
  yCap?: number
  /** Axis title for the categories (optional). */
  xLabel?: string
  categories: readonly string[]
  yLabel: string
  series: readonly ChartSeries[]
}

/**
 * A limit more than this many times the largest data value is stated in
 * text, not drawn: drawn, it would shrink the data to the bottom tenth or
 * less of the chart.
 */
export const FAR_ABOVE_FACTOR = 3

/** True when `limit` should be stated in text rather than drawn beside `values`. */
export function isFarAbove(limit: number, values: readonly number[]): boolean {
  const top = Math.max(0, ...values.filter(Number.isFinite))
  return top > 0 ? limit > FAR_ABOVE_FACTOR * top : limit > 0
}

/**
 * A number as mermaid's xychart grammar reads it: plain decimal, at most
 * `digits` decimals (sub-millisecond latencies need 3), never `1e-7`.
 */
export function chartNumber(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return '0'
  // toFixed switches to exponent notation from 1e21 on; a whole number needs no decimals there.
  if (Math.abs(value) >= 1e21) return BigInt(Math.round(value)).toString()
  const fixed = value.toFixed(digits)
  const trimmed = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed
  return trimmed === '-0' ? '0' : trimmed
}

/** The smallest "nice" number (1, 2, 2.5, 5 × 10^n) at or above `value`. */
function niceCeil(value: number): number {
  if (!(value > 0)) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) return step * power
  }
  return 10 * power
}

/**
 * The y-range drawn: from 0 to a nice number a little above the highest
 * value; when the values sit bunched far above 0 (a success rate of
 * 99-100 %, a health score of 95-100) from a step below the lowest, so small
 * changes stay visible. `cap` bounds the top (100 for percentages and scores).
 */
export function yRange(values: readonly number[], cap?: number): [number, number] {
  const finite = values.filter(Number.isFinite)
  if (finite.length === 0) return [0, 1]
  const low = Math.min(...finite)
  const high = Math.max(...finite)
  const capped = (top: number): number =>
    cap !== undefined && cap >= high ? Math.min(top, cap) : top
  if (low < 0) return [-niceCeil(-low * 1.1), Math.max(0, capped(niceCeil(high * 1.1)))]
  if (high <= 0) return [0, 1]
  if (high - low >= low / 2) return [0, capped(niceCeil(high * 1.1))]
  const step = niceCeil((high - low) / 4 || high / 20)
  const bottom = Math.max(0, Math.floor(low / step) * step - step)
  return [bottom, capped(Math.ceil(high / step) * step + step)]
}

/** Quotes a title or axis text for the xychart grammar (our own text; quotes dropped). */
function quoted(text: string): string {
  return `"${text.replace(/"/g, "'")}"`
}

/** A category bare when the grammar reads it bare (`p99.9`, `a1b2c3d`, `16`), else quoted. */
function category(text: string): string {
  return /^[\w.-]+$/.test(text) ? text : quoted(text)
}

/** The Markdown lines of one chart: the mermaid block and its legend. */
export function xyChartLines(chart: XyChart): string[] {
  const all = chart.series.flatMap((s) => [...s.values])
  const [low, high] = yRange(all, chart.yCap)
  const palette = chart.series.map((s) => s.color).join(', ')
  const lines = [
    '```mermaid',
    // One directive line rather than a front-matter block: the same colours in a shorter summary.
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${palette}"}}}}%%`,
    'xychart-beta',
    `  title ${quoted(chart.title)}`,
    `  x-axis ${chart.xLabel ? `${quoted(chart.xLabel)} ` : ''}[${chart.categories.map(category).join(', ')}]`,
    `  y-axis ${quoted(chart.yLabel)} ${chartNumber(low)} --> ${chartNumber(high)}`,
    ...chart.series.map(
      (s) => `  ${s.kind ?? 'line'} [${s.values.map((value) => chartNumber(value)).join(', ')}]`
    ),
    '```',
    ''
  ]
  const legend = chart.series.map((s) => `${COLOR_NAMES[s.color] ?? s.color}: ${s.name}`)
  lines.push(`_Legend: ${legend.join(' · ')}._`, '')
  return lines
}
