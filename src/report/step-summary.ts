/**
 * The GitHub step summary as Markdown: overall verdict with health score and
 * band, one table per suite (check, value, threshold, status), key metrics
 * and a mermaid chart of the latency distribution. Returned as a string so
 * main.ts writes it with one `core.summary.addRaw(...).write()` and tests
 * read it without the Actions runtime.
 */
import { expectationText, isConformanceFinding, meetsThreshold } from '../engine/checks.js'
import type { Check, RunReport, SuiteResult } from '../engine/model.js'
import { healthBand } from '../metrics/health-score.js'
import {
  STATUS_ICONS,
  formatDuration,
  formatMs,
  formatNumber,
  formatPercent,
  integrityText,
  formatRunScore,
  formatThreshold,
  formatThroughput,
  formatValue,
  statusLabel,
  suiteTitle
} from './format.js'
import {
  CONFORMANCE_HEADING,
  CONFORMANCE_MEANING,
  conformanceFindings,
  findingsNote
} from './conformance-section.js'
import { discoverySummarySection } from './discovery-section.js'
import { trendSummarySection } from './trend-section.js'
import { chaosLine, recoveryText, serviceLine } from './run-conditions.js'
import { stressLine, stressSummarySection } from './stress-section.js'
import { escapeInline, inlineCode } from '../github/markdown-escape.js'

/** Escapes our own text (titles, values, thresholds) for one Markdown table cell. */
export function tableCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

/** Longest message one table cell shows: check messages can quote a service's close reason. */
const MESSAGE_MAX_CHARS = 1_000

/**
 * Escapes a check message for a table cell. Messages can carry text the
 * service controls (close reasons, errors): it must render as words, never as
 * HTML, a link, a mention that pings a team or a reference to another issue.
 */
export function messageCell(text: string): string {
  return escapeInline(text, MESSAGE_MAX_CHARS)
}

/**
 * The Threshold cell: the expectation in words when `op value` misleads
 * (several accepted values, an expected value derived from the measurement),
 * and a pointer to the details when the check passed by a rule its
 * threshold does not show (e.g. an absolute floor), so a passed row never
 * reads as a missed threshold.
 */
export function thresholdCell(check: Check): string {
  const text = expectationText(check)
  if (text !== undefined) return text
  const shown = formatThreshold(check.threshold, check.unit)
  if (check.status === 'passed' && meetsThreshold(check) === false) {
    return `${shown} not applied (see details)`
  }
  return shown
}

function suiteSection(suite: SuiteResult): string[] {
  const critical = suite.critical ? 'critical' : 'non-critical'
  const findings = findingsNote(suite, `under ${CONFORMANCE_HEADING}`)
  const lines = [
    `### ${STATUS_ICONS[suite.status]} ${suiteTitle(suite)}: ${statusLabel(suite.status)}`,
    '',
    `_${critical}, ${formatDuration(suite.durationMs)}${findings ? `; ${findings}` : ''}_`,
    '',
    '| Check | Value | Threshold | Status | Details |',
    '| --- | --- | --- | --- | --- |'
  ]
  // Conformance findings have their own section: this table is service health.
  for (const check of suite.checks.filter((check) => !isConformanceFinding(check))) {
    lines.push(
      `| ${[
        tableCell(check.scope === 'client' ? `${check.title} (client resilience)` : check.title),
        tableCell(formatValue(check.value, check.unit)),
        tableCell(thresholdCell(check)),
        `${STATUS_ICONS[check.status]} ${check.status}`,
        check.code ? `${messageCell(check.message)} (${check.code})` : messageCell(check.message)
      ].join(' | ')} |`
    )
  }
  if (suite.checks.length === 0) lines.push('| (no checks) | | | | |')
  lines.push('')
  return lines
}

/** The conformance findings as their own table; empty when there are none. */
function conformanceSection(report: RunReport): string[] {
  const findings = conformanceFindings(report)
  if (findings.length === 0) return []
  return [
    `### ${STATUS_ICONS.degraded} ${CONFORMANCE_HEADING}`,
    '',
    `_${CONFORMANCE_MEANING}_`,
    '',
    '| Suite | Check | Finding |',
    '| --- | --- | --- |',
    ...findings.map(
      ({ suite, check }) =>
        `| ${tableCell(suiteTitle(suite))} | ${tableCell(check.title)} | ${messageCell(check.message)} |`
    ),
    ''
  ]
}

/** A bar chart of avg/p50/p95/p99/max; empty when no latency was measured. */
function latencyChart(report: RunReport): string[] {
  const { latencyMs } = report.metrics
  const bars: Array<[string, number | null]> = [
    ['avg', latencyMs.avg],
    ['p50', latencyMs.p50],
    ['p95', latencyMs.p95],
    ['p99', latencyMs.p99],
    ['max', latencyMs.max]
  ]
  if (latencyMs.count === 0 || bars.some(([, value]) => value === null)) return []
  return [
    '```mermaid',
    'xychart-beta',
    '  title "Round-trip latency (ms)"',
    `  x-axis [${bars.map(([name]) => name).join(', ')}]`,
    '  y-axis "ms"',
    `  bar [${bars.map(([, value]) => formatNumber(value)).join(', ')}]`,
    '```',
    ''
  ]
}

/** The whole step summary as Markdown. */
export function buildStepSummary(report: RunReport): string {
  const { metrics } = report
  const lines = [
    report.cancelled
      ? '## 📊 WebSocket Health Report (cancelled)'
      : '## 📊 WebSocket Health Report',
    '',
    `**${STATUS_ICONS[report.status]} Verdict: ${statusLabel(report.status)}** · Health score **${formatRunScore(report)}** (${healthBand(report.healthScore)})`,
    '',
    ...(report.cancelled
      ? [
          `> ${STATUS_ICONS.cancelled} Run ${report.cancelled.reason}: the checks it cut short are not-run; nothing was judged.`,
          ''
        ]
      : []),
    `Target ${inlineCode(report.target)} · started ${report.startedAt} · ${formatDuration(report.durationMs)}`,
    ''
  ]
  for (const line of [chaosLine(report), serviceLine(report), stressLine(report)]) {
    if (line !== undefined) lines.push(`> ${line}`, '')
  }
  for (const suite of report.suites) {
    lines.push(`- ${STATUS_ICONS[suite.status]} ${suiteTitle(suite)}: ${statusLabel(suite.status)}`)
  }
  if (report.suites.length === 0) lines.push('- (no suite ran)')
  lines.push('')
  for (const suite of report.suites) lines.push(...suiteSection(suite))
  lines.push(...conformanceSection(report))
  lines.push(
    '### Key Metrics',
    '',
    '| Metric | Value |',
    '| --- | --- |',
    `| Average Latency | ${formatMs(metrics.latencyMs.avg)} |`,
    `| P50 Latency | ${formatMs(metrics.latencyMs.p50)} |`,
    `| P95 Latency | ${formatMs(metrics.latencyMs.p95)} |`,
    `| P99 Latency | ${formatMs(metrics.latencyMs.p99)} |`,
    `| Success Rate | ${formatPercent(metrics.successRate)} |`,
    `| Delivery Rate | ${formatPercent(metrics.deliveryRate)} |`,
    `| Messages | ${metrics.messagesSent} sent, ${metrics.messagesReceived} received, ${metrics.messagesLost} lost |`,
    `| Replies | ${integrityText(metrics)} |`,
    `| Heartbeats | ${metrics.heartbeat.received}/${metrics.heartbeat.sent} (${formatPercent(metrics.heartbeat.successRate)}) |`,
    `| Connect Time | avg ${formatMs(metrics.connectTimeMs.avg)}, p95 ${formatMs(metrics.connectTimeMs.p95)} |`,
    `| Throughput | ${formatThroughput(metrics.throughputMsgsPerSec)} |`,
    `| Reconnections | ${metrics.reconnections} |`,
    `| Recovery Time | ${recoveryText(report)} |`,
    `| Errors | ${metrics.errors} |`,
    ''
  )
  lines.push(...latencyChart(report))
  lines.push(...stressSummarySection(report))
  lines.push(...trendSummarySection(report), ...discoverySummarySection(report))
  return lines.join('\n')
}

/** A short summary for a run that never started (bad configuration). */
export function buildErrorSummary(message: string): string {
  return [
    '## 📊 WebSocket Health Report',
    '',
    `**❌ The run did not start:** ${message}`,
    '',
    'Fix the input named above and re-run; see the README for inputs and allowed values.',
    ''
  ].join('\n')
}
