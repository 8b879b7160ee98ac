/**
 * The report's `stress` block in words: a one-line "Stress: on" condition
 * for the head of each report, a console section and a step-summary section
 * (table of ramp steps, breaking point and verdict, how stress bore on the
 * run's verdict, degradation, the exhaustion scenarios with what the service
 * did, and mermaid charts of p95 latency and msgs/s against connections).
 * Text the service controls (close reasons, errors) is escaped.
 */
import type { StressReport, StressStep } from '../engine/breaking-point.js'
import type { MetricValue, RunReport } from '../engine/model.js'
import type { StressEffect } from '../engine/stress-verdict.js'
import { details, escapeMarkdown, tableHead, tableRow, toSingleLine } from '../format/markdown.js'
import {
  NOT_AVAILABLE,
  formatChange,
  formatDuration,
  formatMs,
  formatNumber,
  formatPercent
} from '../format/figures.js'
import { CHART_COLORS, isFarAbove, xyChartLines, type ChartSeries } from './xychart.js'

/** The stress block as written by src/engine/stress-phase.ts. */
export type StressView = StressReport & { effect?: StressEffect }

/** Scenario keys in the order they ran, with their titles. */
export const SCENARIO_TITLES: Record<string, string> = {
  idleConnections: 'Many idle connections',
  slowReader: 'Slow reader',
  oversizedMessage: 'Oversized message'
}

const STEP_HEADERS = [
  'Connections',
  'Offered msgs/s',
  'Achieved msgs/s',
  'P50',
  'P95',
  'Error rate',
  'Sent',
  'Replies',
  'Errors',
  'Opens failed',
  'Drops',
  'Large burst',
  'Time'
] as const

/** RunReport.stress read back as the StressReport it was written from; null when absent or malformed. */
export function stressFromReport(report: RunReport): StressView | null {
  const stress = report.stress
  if (
    stress === undefined ||
    !Array.isArray(stress.steps) ||
    typeof stress.verdict !== 'string' ||
    typeof stress.limits !== 'object' ||
    stress.limits === null
  ) {
    return null
  }
  return stress as unknown as StressView
}

/** "Stress: on — no breaking point up to ..." for the head of the report; undefined when stress mode was off. */
export function stressLine(report: RunReport): string | undefined {
  const stress = stressFromReport(report)
  if (!stress) return undefined
  const effect = stress.effect?.degradesRun ? ' (degrades the run)' : ''
  return `Stress: on — ${stress.verdict}${effect}`
}

function burstText(step: StressStep): string {
  const burst = step.burst
  if (!burst) return 'not sent'
  return `${burst.intact}/${burst.sent} intact, max ${formatMs(burst.maxRttMs)}`
}

function stepCells(step: StressStep): string[] {
  return [
    String(step.connections),
    step.offeredMsgsPerSec === undefined ? NOT_AVAILABLE : formatNumber(step.offeredMsgsPerSec, 1),
    formatNumber(step.msgsPerSec, 1),
    formatMs(step.p50Ms),
    formatMs(step.p95Ms),
    formatPercent(step.errorRate, 2),
    String(step.sent),
    String(step.replies),
    String(step.errors),
    `${step.openFailures}/${step.openAttempts}`,
    String(step.drops),
    burstText(step),
    formatDuration(step.durationMs)
  ]
}

function isBreakingStep(stress: StressView, step: StressStep): boolean {
  const bp = stress.breakingPoint
  return bp !== null && step === stress.steps.at(-1) && bp.connections === step.connections
}

function limitsText(stress: StressView): string {
  const l = stress.limits
  const fd =
    l.fdSource === 'proc'
      ? `file-descriptor soft limit ${l.fdSoftLimit} (room for ${l.fdBudget} connections)`
      : l.fdSource === 'fallback'
        ? `file-descriptor limit unknown, assumed ${l.fdSoftLimit} (room for ${l.fdBudget} connections)`
        : 'file-descriptor limit not read'
  return `ramp to at most ${l.plannedMax} connections (max_connections ${l.maxConnections}, ${fd}); breaks at p95 > ${formatMs(l.p95LimitMs)} or error rate > ${formatPercent(l.errorRateLimit, 2)}`
}

function num(value: MetricValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

/** Latency against load and against time, in one line each; empty when not measured. */
function degradationLines(stress: StressView): string[] {
  const lines: string[] = []
  const load = stress.degradation.againstLoad
  if (load) {
    lines.push(
      `p95 against load: ${formatNumber(load.slopeMsPerConnection, 3)} ms per extra connection (r² ${formatNumber(load.r2, 2)})`
    )
  }
  const time = stress.degradation.overTime
  if (time) {
    const slope = num(time.slopeMsPerSec)
    const change = num(time.relativeChange)
    lines.push(
      `latency over time (highest step that held): ${slope === null ? NOT_AVAILABLE : `${formatNumber(slope, 3)} ms/s`}, first to last window ${formatMs(num(time.firstWindowMedian))} → ${formatMs(num(time.lastWindowMedian))}${change === null ? '' : ` (${formatChange(change)})`}`
    )
  }
  return lines
}

function scenarioEntries(stress: StressView): [string, string, string][] {
  const entries: [string, string, string][] = []
  const keys = [
    ...Object.keys(SCENARIO_TITLES),
    ...Object.keys(stress.scenarios).filter((key) => !(key in SCENARIO_TITLES))
  ]
  for (const key of keys) {
    const scenario = stress.scenarios[key]
    if (!scenario) continue
    const outcome = typeof scenario.outcome === 'string' ? scenario.outcome : NOT_AVAILABLE
    const observed = typeof scenario.observed === 'string' ? scenario.observed : ''
    entries.push([SCENARIO_TITLES[key] ?? key, outcome, observed])
  }
  return entries
}

/** The stress section of the console report; empty when stress mode was off. */
export function stressConsoleLines(report: RunReport): string[] {
  const stress = stressFromReport(report)
  if (!stress) return []
  const lines = [
    '🔥 Stress Mode (on):',
    `  • Verdict: ${stress.verdict}`,
    ...(stress.effect ? [`  • Effect on the run: ${stress.effect.note}`] : []),
    `  • Limits: ${limitsText(stress)}`
  ]
  if (stress.steps.length > 0) {
    const rows = [STEP_HEADERS.slice(), ...stress.steps.map(stepCells)]
    const widths = STEP_HEADERS.map((_h, i) => Math.max(...rows.map((row) => row[i].length)))
    rows.forEach((row, index) => {
      const mark = index > 0 && isBreakingStep(stress, stress.steps[index - 1]) ? '✗' : ' '
      lines.push(`  ${mark} ${row.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`.trimEnd())
    })
  }
  for (const line of degradationLines(stress)) lines.push(`  • ${line}`)
  for (const [title, outcome, observed] of scenarioEntries(stress)) {
    lines.push(`  • ${title}: ${outcome}${observed ? ` — ${toSingleLine(observed)}` : ''}`)
  }
  lines.push('')
  return lines
}

/**
 * A mermaid xychart of one figure per step against connections, with what
 * the step offered (`offered`, one value per point) and its limit when the
 * limit fits the data's range (a limit far above is stated under the chart
 * instead); empty below two points.
 */
function stepChart(
  title: string,
  figure: string,
  yLabel: string,
  points: [number, number][],
  limit?: { value: number; text: string },
  offered?: { name: string; values: number[] }
): string[] {
  if (points.length < 2) return []
  const values = points.map(([, y]) => y)
  const series: ChartSeries[] = [{ name: figure, color: CHART_COLORS.data, values }]
  if (offered !== undefined) {
    series.push({ name: offered.name, color: CHART_COLORS.second, values: offered.values })
  }
  const notes: string[] = []
  if (limit !== undefined) {
    if (isFarAbove(limit.value, values)) {
      notes.push(`${limit.text}, far above these values (not drawn)`)
    } else {
      series.push({
        name: limit.text,
        color: CHART_COLORS.limit,
        values: points.map(() => limit.value)
      })
    }
  }
  const lines = xyChartLines({
    title,
    xLabel: 'connections',
    categories: points.map(([x]) => String(x)),
    yLabel,
    series
  })
  if (notes.length > 0) lines.push(`_${notes.join('; ')}._`, '')
  return lines
}

/** The stress section of the step summary (Markdown lines); empty when stress mode was off. */
export function stressSummarySection(report: RunReport): string[] {
  const stress = stressFromReport(report)
  if (!stress) return []
  const lines = [
    '### 🔥 Stress mode: on',
    '',
    `**${stress.breakingPoint ? '❌' : '✅'} ${escapeMarkdown(stress.verdict)}**`,
    ''
  ]
  if (stress.effect) {
    const icon = stress.effect.degradesRun ? '⚠️' : 'ℹ️'
    lines.push(`${icon} Effect on the verdict: ${escapeMarkdown(stress.effect.note)}`, '')
  }
  lines.push(`_${escapeMarkdown(limitsText(stress))}_`, '')
  if (stress.steps.length > 0) {
    // Thirteen columns per step: folded, so the verdict and the charts stay in view.
    const rows = stress.steps.map((step, index) => {
      const mark = isBreakingStep(stress, step) ? '❌ breaking point' : '✅'
      return tableRow([
        `${index + 1} ${mark}`,
        ...stepCells(step).map((cell) => escapeMarkdown(cell))
      ])
    })
    lines.push(
      ...details(`Ramp steps (${stress.steps.length})`, [
        ...tableHead(['Step', ...STEP_HEADERS]),
        ...rows,
        ''
      ])
    )
  }
  const degradation = degradationLines(stress)
  if (degradation.length > 0) {
    for (const line of degradation) lines.push(`- ${escapeMarkdown(line)}`)
    lines.push('')
  }
  const scenarios = scenarioEntries(stress)
  if (scenarios.length > 0) {
    lines.push(...tableHead(['Scenario', 'Outcome', 'What the service did']))
    for (const [title, outcome, observed] of scenarios) {
      lines.push(
        tableRow([title, outcome, observed || NOT_AVAILABLE].map((cell) => escapeMarkdown(cell)))
      )
    }
    lines.push('')
  }
  const p95Points = stress.steps
    .filter((step) => step.p95Ms !== null)
    .map((step): [number, number] => [step.connections, step.p95Ms as number])
  lines.push(
    ...stepChart(
      'Stress: p95 latency (ms) by connections',
      'p95 round-trip latency at each step',
      'ms',
      p95Points,
      { value: stress.limits.p95LimitMs, text: `p95 limit ${formatMs(stress.limits.p95LimitMs)}` }
    ),
    ...stepChart(
      'Stress: throughput (msgs/s) by connections',
      'messages per second at each step',
      'msgs/s',
      stress.steps.map((step): [number, number] => [step.connections, step.msgsPerSec]),
      undefined,
      offeredSeries(stress.steps)
    )
  )
  return lines
}

/** What the open-loop schedule offered at each step, when every step says (a service that keeps up draws the same line). */
function offeredSeries(steps: StressStep[]): { name: string; values: number[] } | undefined {
  const offered = steps.map((step) => step.offeredMsgsPerSec)
  if (offered.some((value) => value === undefined)) return undefined
  return { name: 'messages per second offered at each step', values: offered as number[] }
}

/** "Stress: breaking point at ... (below connection_count 10)" when stress degraded the run; else undefined. */
export function stressVerdictReason(report: RunReport): string | undefined {
  const stress = stressFromReport(report)
  if (!stress?.effect?.degradesRun) return undefined
  return `Stress: ${stress.verdict} (below connection_count ${stress.effect.connectionCount})`
}
