/**
 * The GitHub step summary as Markdown, what matters first: the verdict and
 * health score, what fails the step and the failed and degraded checks
 * grouped by reason, the key metrics, then the suites (those that did not
 * pass open, the rest folded), the latency distribution, and the folded
 * full metrics, stress, trend and discovery sections. Returned as a string
 * so main.ts writes it with one `core.summary.addRaw(...).write()` and tests
 * read it without the Actions runtime.
 */
import { expectationText, isConformanceFinding, meetsThreshold } from '../engine/checks.js'
import type { Check, RunReport, SuiteResult } from '../engine/model.js'
import { healthBand } from '../metrics/health-score.js'
import {
  formatDuration,
  formatMs,
  formatPercent,
  formatThreshold,
  formatThroughput,
  formatValue
} from '../format/figures.js'
import { STATUS_ICONS, checkTally, statusLabel, suiteTitle } from '../format/status.js'
import { integrityText, formatRunScore, headlineSourceText } from './run-text.js'
import {
  CONFORMANCE_HEADING,
  CONFORMANCE_MEANING,
  conformanceFindings,
  findingsNote
} from './conformance-section.js'
import { discoverySummarySection } from './discovery-section.js'
import { trendSummarySection } from './trend-section.js'
import {
  chaosLine,
  mergedLine,
  recoveryText,
  serviceLine,
  toolLagWarning,
  toolLoadText
} from './run-conditions.js'
import { stressLine, stressSummarySection } from './stress-section.js'
import {
  details,
  escapeInline,
  inlineCode,
  tableCell,
  tableHead,
  tableRow
} from '../format/markdown.js'
import type { Config } from '../config/schema.js'
import { attentionSection } from './attention-section.js'
import { latencyDistributionSection } from './latency-chart.js'

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
    ...tableHead(['Check', 'Value', 'Threshold', 'Status', 'Details'])
  ]
  // Conformance findings have their own section: this table is service health.
  for (const check of suite.checks.filter((check) => !isConformanceFinding(check))) {
    lines.push(
      tableRow([
        tableCell(check.scope === 'client' ? `${check.title} (client resilience)` : check.title),
        tableCell(formatValue(check.value, check.unit)),
        tableCell(thresholdCell(check)),
        `${STATUS_ICONS[check.status]} ${check.status}`,
        check.code ? `${messageCell(check.message)} (${check.code})` : messageCell(check.message)
      ])
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
    ...tableHead(['Suite', 'Check', 'Finding']),
    ...findings.map(({ suite, check }) =>
      tableRow([tableCell(suiteTitle(suite)), tableCell(check.title), messageCell(check.message)])
    ),
    ''
  ]
}

/** The few figures a reader looks for first, in one table row. */
function keyMetricsRow(report: RunReport): string[] {
  const { metrics } = report
  const cells: [string, string][] = [
    ['P50', formatMs(metrics.latencyMs.p50)],
    ['P95', formatMs(metrics.latencyMs.p95)],
    ['P99', formatMs(metrics.latencyMs.p99)],
    ['Success', formatPercent(metrics.successRate)],
    ['Delivery', formatPercent(metrics.deliveryRate)],
    ['Throughput', formatThroughput(metrics.throughputMsgsPerSec)],
    ['Connect p95', formatMs(metrics.connectTimeMs.p95)],
    ['Reconnections', String(metrics.reconnections)],
    ['Errors', String(metrics.errors)]
  ]
  return [
    '### Key metrics',
    '',
    ...tableHead(cells.map(([name]) => name)),
    tableRow(cells.map(([, value]) => tableCell(value))),
    ''
  ]
}

/** Every run-wide metric, folded: the key ones are already on the first screen. */
function allMetrics(report: RunReport): string[] {
  const { metrics } = report
  return details('All metrics', [
    ...tableHead(['Metric', 'Value']),
    `| Average Latency | ${formatMs(metrics.latencyMs.avg)} |`,
    `| P50 Latency | ${formatMs(metrics.latencyMs.p50)} |`,
    `| P95 Latency | ${formatMs(metrics.latencyMs.p95)} |`,
    `| P99 Latency | ${formatMs(metrics.latencyMs.p99)} |`,
    `| Max Latency | ${formatMs(metrics.latencyMs.max)} |`,
    ...(headlineSourceText(metrics)
      ? [`| Latency and throughput from | ${headlineSourceText(metrics)} |`]
      : []),
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
    `| Tool Load | ${toolLoadText(report)} |`,
    ''
  ])
}

/**
 * The suites: the ones that did not pass open, with their tables; passed and
 * skipped ones folded to one line each, their tables a click away.
 */
function suiteSections(report: RunReport): string[] {
  const lines = ['### Suites', '']
  if (report.suites.length === 0) lines.push('- (no suite ran)', '')
  for (const suite of report.suites) {
    if (suite.status === 'failed' || suite.status === 'degraded') {
      lines.push(...suiteSection(suite))
      continue
    }
    lines.push(
      ...details(
        `${STATUS_ICONS[suite.status]} ${escapeInline(suiteTitle(suite))}: ${statusLabel(suite.status)} · ${checkTally(suite.checks)}`,
        suiteSection(suite).slice(2)
      )
    )
  }
  return lines
}

export interface StepSummaryOptions {
  /** fail_on of the step writing the summary (default: the report's own config). */
  failOn?: Config['failOn']
}

/** The whole step summary as Markdown: what matters first, details folded below. */
export function buildStepSummary(report: RunReport, options: StepSummaryOptions = {}): string {
  const shown =
    options.failOn === undefined
      ? report
      : { ...report, config: { ...report.config, failOn: options.failOn } }
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
  for (const line of [
    mergedLine(report),
    chaosLine(report),
    serviceLine(report),
    stressLine(report)
  ]) {
    if (line !== undefined) lines.push(`> ${line}`, '')
  }
  const lagWarning = toolLagWarning(report)
  if (lagWarning !== undefined) lines.push('> [!WARNING]', `> ${lagWarning}`, '')
  lines.push(...attentionSection(shown))
  lines.push(...keyMetricsRow(report))
  lines.push(...suiteSections(report))
  lines.push(...latencyDistributionSection(report))
  lines.push(...conformanceSection(report))
  lines.push(...allMetrics(report))
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
    'Fix the input named above and re-run; see docs/inputs.md for inputs and allowed values.',
    ''
  ].join('\n')
}
