/**
 * The console report, in the spirit of the seed's example output: per-
 * connection metrics where suites report them, latency statistics, one
 * PASSED/DEGRADED/FAILED/SKIPPED line per suite with the checks that missed,
 * key metrics, health score and verdict.
 */
import { isConformanceFinding } from '../engine/checks.js'
import type { Check, MetricValue, RunReport, Status, SuiteResult } from '../engine/model.js'
import { healthBand } from '../metrics/health-score.js'
import {
  NOT_AVAILABLE,
  formatDuration,
  formatMs,
  formatNumber,
  formatPercent,
  formatThreshold,
  formatThroughput,
  formatValue
} from '../format/figures.js'
import { STATUS_ICONS, statusLabel, suiteTitle } from '../format/status.js'
import { integrityText, formatRunScore, headlineSourceText } from './run-text.js'
import { sameUnmeasuredCause } from './annotations.js'
import { conformanceConsoleLines, findingsNote } from './conformance-section.js'
import { discoveryConsoleLines } from './discovery-section.js'
import { trendConsoleLines } from './trend-section.js'
import {
  chaosLine,
  recoveryText,
  serviceLine,
  toolLagWarning,
  toolLoadText
} from './run-conditions.js'
import { stressConsoleLines, stressLine } from './stress-section.js'

export interface ConsoleOptions {
  /** ANSI colours (only for a terminal that supports them). */
  color: boolean
  /**
   * Per-connection lines (CLI --verbose). Off by default: with tens of
   * connections they bury the verdict, and the JSON report keeps them.
   */
  verbose?: boolean
}

const ANSI: Record<Status | 'cancelled' | 'dim' | 'bold', string> = {
  passed: '\u001b[32m',
  degraded: '\u001b[33m',
  failed: '\u001b[31m',
  skipped: '\u001b[2m',
  'not-run': '\u001b[2m',
  cancelled: '\u001b[33m',
  dim: '\u001b[2m',
  bold: '\u001b[1m'
}
const RESET = '\u001b[0m'

type Paint = (style: keyof typeof ANSI, text: string) => string

function painter(color: boolean): Paint {
  return color ? (style, text) => `${ANSI[style]}${text}${RESET}` : (_style, text) => text
}

function isRecord(value: MetricValue | undefined): value is { [key: string]: MetricValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function metricText(value: MetricValue | undefined): string {
  if (value === null || value === undefined) return NOT_AVAILABLE
  if (typeof value === 'number') return formatNumber(value)
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (typeof value === 'string') return value
  return JSON.stringify(value)
}

/** At most this many connections are listed; the rest are counted. */
export const MAX_CONNECTION_LINES = 10

/**
 * The per-connection list a suite reports: `metrics.perConnection.connections`
 * (or a `metrics.connections` array), objects with a `label`.
 */
function reportedConnections(suite: SuiteResult): { [key: string]: MetricValue }[] {
  const perConnection = suite.metrics['perConnection']
  const list = isRecord(perConnection) ? perConnection['connections'] : suite.metrics['connections']
  if (!Array.isArray(list)) return []
  return list.filter(
    (item): item is { [key: string]: MetricValue } =>
      isRecord(item) && typeof item['label'] === 'string'
  )
}

/** "received/sent", or n/a when no heartbeat was sent: 0/0 reads as a measured failure. */
function heartbeatText(heartbeats: { [key: string]: MetricValue }): string {
  const sent = heartbeats['sent']
  if (sent === 0 || sent === null || sent === undefined) return NOT_AVAILABLE
  return `${metricText(heartbeats['received'])}/${metricText(sent)}`
}

function connectionFigures(connection: { [key: string]: MetricValue }): string[] {
  const lines: string[] = []
  const { sent, received, reconnections, avgLatencyMs, heartbeats } = connection
  if (typeof sent === 'number' && typeof received === 'number') {
    lines.push(`Messages: ${sent} sent, ${received} received`)
  }
  if (typeof reconnections === 'number') lines.push(`Reconnections: ${reconnections}`)
  if (avgLatencyMs !== undefined) {
    lines.push(`Avg Latency: ${formatMs(typeof avgLatencyMs === 'number' ? avgLatencyMs : null)}`)
  }
  if (isRecord(heartbeats)) lines.push(`Heartbeats: ${heartbeatText(heartbeats)}`)
  const known = new Set([
    'label',
    'sent',
    'received',
    'reconnections',
    'avgLatencyMs',
    'heartbeats'
  ])
  for (const [key, value] of Object.entries(connection)) {
    if (!known.has(key)) lines.push(`${key}: ${metricText(value)}`)
  }
  return lines
}

/**
 * Per-connection figures in the seed's layout, from the suites that report
 * them. Only what the suites measured is printed.
 */
function connectionLines(report: RunReport): string[] {
  const lines: string[] = []
  for (const suite of report.suites) {
    const connections = reportedConnections(suite)
    for (const connection of connections.slice(0, MAX_CONNECTION_LINES)) {
      lines.push(`  • ${String(connection['label'])} (${suiteTitle(suite)}):`)
      for (const figure of connectionFigures(connection)) lines.push(`    - ${figure}`)
    }
    if (connections.length > MAX_CONNECTION_LINES) {
      lines.push(
        `  • … and ${connections.length - MAX_CONNECTION_LINES} more connections (JSON report)`
      )
    }
  }
  return lines
}

function checkLine(check: Check, paint: Paint): string {
  const icon = STATUS_ICONS[check.status]
  const measured =
    check.value === null && check.threshold === null
      ? ''
      : ` ${formatValue(check.value, check.unit)} (threshold ${formatThreshold(check.threshold, check.unit)})`
  const code = check.code ? ` [${check.code}]` : ''
  return `     ${icon} ${check.title}${check.scope === 'client' ? ' (client resilience)' : ''}:${measured} — ${paint(check.status, check.message)}${code}`
}

/**
 * Checks that missed for one cause (nothing measured, same message and
 * code: e.g. every check of a suite that could not connect) print as one
 * line naming them all, so the cause is read once.
 */
function groupedLines(checks: readonly Check[], paint: Paint): string[] {
  const lines: string[] = []
  let index = 0
  while (index < checks.length) {
    const first = checks[index] as Check
    let end = index + 1
    while (end < checks.length && sameUnmeasuredCause(first, checks[end] as Check)) end++
    if (end - index === 1) {
      lines.push(checkLine(first, paint))
    } else {
      const titles = checks.slice(index, end).map((check) => check.title)
      const code = first.code ? ` [${first.code}]` : ''
      lines.push(
        `     ${STATUS_ICONS[first.status]} ${titles.length} checks (${titles.join('; ')}): — ${paint(first.status, first.message)}${code}`
      )
    }
    index = end
  }
  return lines
}

function suiteLines(suite: SuiteResult, paint: Paint): string[] {
  const icon = STATUS_ICONS[suite.status]
  const critical = suite.critical ? '' : paint('dim', ' (non-critical)')
  const findings = findingsNote(suite, 'below')
  const note = findings ? paint('dim', ` (${findings})`) : ''
  const head = `${icon} ${suiteTitle(suite)}: ${paint(suite.status, statusLabel(suite.status))} ${paint('dim', `in ${formatDuration(suite.durationMs)}`)}${critical}${note}`
  // Passed checks are in the JSON report and step summary; the console shows what needs
  // attention. Conformance findings are listed apart, after the suites.
  const details = suite.checks.filter(
    (check) => check.status !== 'passed' && !isConformanceFinding(check)
  )
  return [head, ...groupedLines(details, paint)]
}

/** The tool-lag warning as a console line, when the run's lag was large next to its latency. */
function lagWarningLines(report: RunReport, paint: Paint): string[] {
  const warning = toolLagWarning(report)
  return warning === undefined ? [] : [paint('degraded', `⚠️ ${warning}`)]
}

/** The report as console text (no trailing newline). */
export function renderConsole(report: RunReport, options: ConsoleOptions): string {
  const paint = painter(options.color)
  const { metrics } = report
  const lines: string[] = [
    paint('bold', '📊 WebSocket Health Report'),
    '==========================',
    `Target:   ${report.target}`,
    `Started:  ${report.startedAt}`,
    `Duration: ${formatDuration(report.durationMs)}`,
    ...[chaosLine(report), serviceLine(report), stressLine(report)].filter(
      (line) => line !== undefined
    ),
    ...lagWarningLines(report, paint),
    ''
  ]

  lines.push(...discoveryConsoleLines(report))
  const connections = options.verbose ? connectionLines(report) : []
  if (connections.length > 0) lines.push('📊 Connection Metrics:', ...connections, '')

  lines.push(
    `📊 Latency Statistics (${metrics.latencyMs.count} samples${headlineSourceText(metrics) ? `; ${headlineSourceText(metrics)}` : ''}):`,
    `  • Average: ${formatMs(metrics.latencyMs.avg)}`,
    `  • P50: ${formatMs(metrics.latencyMs.p50)}`,
    `  • P95: ${formatMs(metrics.latencyMs.p95)}`,
    `  • P99: ${formatMs(metrics.latencyMs.p99)}`,
    `  • Max: ${formatMs(metrics.latencyMs.max)}`,
    ''
  )

  for (const suite of report.suites) lines.push(...suiteLines(suite, paint))
  if (report.suites.length === 0) lines.push('(no suite ran)')
  lines.push('')
  lines.push(...conformanceConsoleLines(report))

  lines.push(...stressConsoleLines(report))
  lines.push(...trendConsoleLines(report))
  lines.push(
    'Key Metrics:',
    `- Average Latency: ${formatMs(metrics.latencyMs.avg)}`,
    `- P95 Latency: ${formatMs(metrics.latencyMs.p95)}`,
    `- Success Rate: ${formatPercent(metrics.successRate)}`,
    `- Delivery Rate: ${formatPercent(metrics.deliveryRate)}`,
    `- Messages: ${metrics.messagesSent} sent, ${metrics.messagesReceived} received, ${metrics.messagesLost} lost`,
    `- Replies: ${integrityText(metrics)}`,
    metrics.heartbeat.sent > 0
      ? `- Heartbeats: ${metrics.heartbeat.received}/${metrics.heartbeat.sent} (${formatPercent(metrics.heartbeat.successRate)})`
      : `- Heartbeats: ${NOT_AVAILABLE}`,
    `- Connect Time: avg ${formatMs(metrics.connectTimeMs.avg)}, p95 ${formatMs(metrics.connectTimeMs.p95)}`,
    `- Throughput: ${formatThroughput(metrics.throughputMsgsPerSec)}`,
    `- Reconnections: ${metrics.reconnections}`,
    `- Recovery Time: ${recoveryText(report)}`,
    `- Errors: ${metrics.errors}`,
    `- Tool Load: ${toolLoadText(report)}`,
    '',
    `Health Score: ${formatRunScore(report)} (${healthBand(report.healthScore)})`,
    `${STATUS_ICONS[report.status]} Verdict: ${paint(report.status, statusLabel(report.status))}` +
      (report.cancelled ? ` (${report.cancelled.reason}; the checks it cut short are not-run)` : '')
  )
  return lines.join('\n')
}
