/**
 * The failure issue's markdown: title, body, the "latest status" section,
 * the follow-up comment for a later failure and the recovery comment. The
 * seed's issue (branch, commit, "this may indicate ...") made real with the
 * run's measured figures. Every fragment the service or a user controls goes
 * through src/format/markdown.ts; figures come from src/format/figures.ts,
 * as in the step summary.
 */
import { isConformanceFinding } from '../engine/checks.js'
import type { RunReport, SuiteId, SuiteResult } from '../engine/model.js'
import { healthProblems } from '../engine/verdict.js'
import { healthBand } from '../metrics/health-score.js'
import {
  formatMs,
  formatPercent,
  formatScore,
  formatThreshold,
  formatThroughput,
  formatValue
} from '../format/figures.js'
import {
  escapeMarkdown,
  httpLink,
  inlineCode,
  tableHead,
  tableRow,
  toIssueTitle
} from '../format/markdown.js'
import { STATUS_ICONS, statusLabel } from '../format/status.js'
import { keyMarker, redactTarget, wrapLatest } from './issue-marker.js'

/** Where and when the run happened; all optional because local runs have none of it. */
export interface RunIdentity {
  workflow: string
  /** Link to the workflow run (https URL). */
  runUrl?: string
  branch?: string
  commit?: string
}

/** Caps that keep a body far below GitHub's 65 536-character limit. */
export const MAX_CHECKS_LISTED = 30
const MESSAGE_MAX_CHARS = 200
const TITLE_MAX_CHARS = 100
/** A check's value or threshold: a string value may come from the service. */
const FIGURE_MAX_CHARS = 120

/** What a failing suite may indicate, in the seed's words. */
export const SUITE_INDICATIONS: Record<SuiteId, { hint: string; why: string }> = {
  'connection-lifecycle': {
    hint: 'Connection instability',
    why: 'connections do not open, close or clean up reliably'
  },
  'concurrent-connections': {
    hint: 'Connection instability',
    why: 'the service drops or starves connections under concurrent load'
  },
  'heartbeat-monitoring': {
    hint: 'Connection instability',
    why: 'pings go unanswered, so idle connections may be silently dead'
  },
  'self-healing': {
    hint: 'Self-healing mechanism issues',
    why: 'clients do not reconnect, resume or resend after a dropped connection'
  },
  'latency-performance': {
    hint: 'Performance degradation',
    why: 'latency or throughput misses its thresholds or worsens during the run'
  },
  'message-delivery': {
    hint: 'Message delivery problems',
    why: 'messages are lost, corrupted, reordered or time out'
  }
}

const SEED_HINTS = [
  'Connection instability',
  'Self-healing mechanism issues',
  'Performance degradation',
  'Message delivery problems'
]

/** A suite degraded by conformance findings alone: it did not fail the service's health. */
function degradedOnlyByFindings(suite: SuiteResult): boolean {
  return (
    suite.status === 'degraded' &&
    healthProblems(suite.checks).length === 0 &&
    suite.checks.some(isConformanceFinding)
  )
}

/**
 * Suites that did not pass (failed first, then degraded); a suite whose only
 * problems are conformance findings is not one of them (see conformanceList).
 */
export function unhealthySuites(report: RunReport): SuiteResult[] {
  const rank = (suite: SuiteResult): number => (suite.status === 'failed' ? 0 : 1)
  return report.suites
    .filter((suite) => suite.status === 'failed' || suite.status === 'degraded')
    .filter((suite) => !degradedOnlyByFindings(suite))
    .sort((a, b) => rank(a) - rank(b))
}

/** The run's conformance findings as a list, apart from the failures; '' when there are none. */
export function conformanceList(report: RunReport): string {
  const lines: string[] = []
  for (const suite of report.suites) {
    for (const check of suite.checks.filter(isConformanceFinding)) {
      if (lines.length >= MAX_CHECKS_LISTED) break
      lines.push(
        `- ${escapeMarkdown(suite.title, TITLE_MAX_CHARS)} / ${escapeMarkdown(check.title, TITLE_MAX_CHARS)}: ${escapeMarkdown(check.message, MESSAGE_MAX_CHARS)}`
      )
    }
  }
  return lines.join('\n')
}

/** Issue title for (workflow, target): stable across runs, so readers recognise it. */
export function buildIssueTitle(workflow: string, target: string): string {
  return toIssueTitle(`WebSocket health failure: ${redactTarget(target)} (${workflow})`)
}

/** The workflow run as a link; a URL that is not plain http(s) is shown as code, never linked. */
export function runLink(run: RunIdentity): string {
  const link = httpLink('workflow run', run.runUrl)
  if (link !== undefined) return link
  return run.runUrl ? inlineCode(run.runUrl, 300) : 'local run'
}

function runLine(run: RunIdentity, report: RunReport): string {
  const parts = [`**Run:** ${runLink(run)}`]
  if (run.branch) parts.push(`**Branch:** ${inlineCode(run.branch, 120)}`)
  if (run.commit) parts.push(`**Commit:** ${inlineCode(run.commit.slice(0, 12), 12)}`)
  parts.push(`**Started:** ${escapeMarkdown(report.startedAt, 40)}`)
  return parts.join(' · ')
}

function verdictLine(report: RunReport): string {
  const band = Number.isFinite(report.healthScore) ? healthBand(report.healthScore) : 'unknown'
  return `**Status:** ${STATUS_ICONS[report.status]} ${statusLabel(report.status)} · **Health score:** ${formatScore(report.healthScore)} (${band})`
}

function suiteFindings(report: RunReport): string {
  const suites = unhealthySuites(report)
  if (suites.length === 0 && conformanceList(report) !== '')
    return '_No health check failed; the run is degraded by the conformance findings below._'
  if (suites.length === 0)
    return '_No suite result failed; the run as a whole did not pass (see the run for its error)._'
  const lines: string[] = []
  let listed = 0
  let omitted = 0
  for (const suite of suites) {
    const critical = suite.critical ? ', critical' : ''
    lines.push(
      `- ${STATUS_ICONS[suite.status]} **${escapeMarkdown(suite.title, TITLE_MAX_CHARS)}** (${inlineCode(suite.id, 40)}${critical}): ${suite.status}`
    )
    // Conformance findings are protocol nits, listed on their own (conformanceList).
    for (const check of healthProblems(suite.checks)) {
      if (listed >= MAX_CHECKS_LISTED) {
        omitted += 1
        continue
      }
      listed += 1
      const value = escapeMarkdown(formatValue(check.value, check.unit), FIGURE_MAX_CHARS)
      const limit = escapeMarkdown(formatThreshold(check.threshold, check.unit), FIGURE_MAX_CHARS)
      const figure = `${value} (threshold ${limit})`
      const message = escapeMarkdown(check.message, MESSAGE_MAX_CHARS)
      lines.push(
        `  - ${STATUS_ICONS[check.status]} ${escapeMarkdown(check.title, TITLE_MAX_CHARS)}: ${figure}: ${message}`
      )
    }
  }
  if (omitted > 0) lines.push(`- … ${omitted} more failing check(s); see the run's report.`)
  return lines.join('\n')
}

/** The run-wide figures as a two-column table (all numbers, nothing service-provided). */
export function keyMetricsTable(report: RunReport): string {
  const m = report.metrics
  const rows: [string, string][] = [
    ['Average latency', formatMs(m.latencyMs.avg)],
    [
      'P50 / P95 / P99 latency',
      `${formatMs(m.latencyMs.p50)} / ${formatMs(m.latencyMs.p95)} / ${formatMs(m.latencyMs.p99)}`
    ],
    ['Success rate', formatPercent(m.successRate)],
    ['Delivery rate', formatPercent(m.deliveryRate)],
    [
      'Messages sent / received / lost',
      `${m.messagesSent} / ${m.messagesReceived} / ${m.messagesLost}`
    ],
    ['Reconnections', String(m.reconnections)],
    [
      'Recovery time (avg / max)',
      `${formatMs(m.recoveryTimeMs.avg)} / ${formatMs(m.recoveryTimeMs.max)}`
    ],
    [
      'Connect time (avg / p95)',
      `${formatMs(m.connectTimeMs.avg)} / ${formatMs(m.connectTimeMs.p95)}`
    ],
    ['Throughput', formatThroughput(m.throughputMsgsPerSec)],
    ['Heartbeat success', formatPercent(m.heartbeat.successRate)],
    ['Errors', String(m.errors)]
  ]
  return [...tableHead(['Metric', 'Value']), ...rows.map(tableRow)].join('\n')
}

/** "What this may indicate": the seed's hints, narrowed to the suites that failed. */
export function indications(report: RunReport): string {
  const suites = unhealthySuites(report)
  if (suites.length === 0) return SEED_HINTS.map((hint) => `- ${hint}`).join('\n')
  const byHint = new Map<string, string[]>()
  for (const suite of suites) {
    const { hint, why } = SUITE_INDICATIONS[suite.id] ?? {
      hint: 'Unexpected failure',
      why: 'see the run'
    }
    const reasons = byHint.get(hint) ?? []
    reasons.push(`${why} (${escapeMarkdown(suite.title, TITLE_MAX_CHARS)})`)
    byHint.set(hint, reasons)
  }
  return [...byHint].map(([hint, reasons]) => `- **${hint}**: ${reasons.join('; ')}`).join('\n')
}

/** The findings of one run: verdict, failing suites and checks, key metrics, indications. */
export function buildFindings(report: RunReport, run: RunIdentity): string {
  const modes = [report.chaos ? 'chaos mode on' : '', report.stress ? 'stress mode on' : ''].filter(
    Boolean
  )
  const findings = conformanceList(report)
  const conformance = findings
    ? [
        '',
        '#### Conformance findings (RFC 6455, not failures)',
        'The service did what was measured, but not the way RFC 6455 asks; these never fail the run.',
        findings
      ]
    : []
  return [
    verdictLine(report) + (modes.length > 0 ? ` · ${modes.join(', ')}` : ''),
    runLine(run, report),
    '',
    '#### Suites that did not pass',
    suiteFindings(report),
    ...conformance,
    '',
    '#### Key metrics',
    keyMetricsTable(report),
    '',
    '#### What this may indicate',
    indications(report)
  ].join('\n')
}

/** The body of a new failure issue; `key` from issueKey(workflow, target). */
export function buildIssueBody(report: RunReport, run: RunIdentity, key: string): string {
  return [
    keyMarker(key),
    '## WebSocket Health Validation Failure',
    '',
    `**Target:** ${inlineCode(redactTarget(report.target), 300)}`,
    `**Workflow:** ${escapeMarkdown(run.workflow, TITLE_MAX_CHARS)}`,
    `**First failing run:** ${runLink(run)}`,
    '',
    '### Latest status',
    wrapLatest(buildFindings(report, run)),
    '',
    '### Action required',
    'WebSocket health validation failed. Open the run for the full step summary and JSON report.',
    'This issue gets one comment per later failing run and is closed automatically when the service passes again.',
    '',
    '<sub>Managed by websocket-health-action.</sub>',
    ''
  ].join('\n')
}

/** Comment for a later failing run while the issue is open. */
export function buildFailureComment(report: RunReport, run: RunIdentity): string {
  return [
    `### ${STATUS_ICONS[report.status]} Still failing`,
    '',
    buildFindings(report, run),
    ''
  ].join('\n')
}

/** Latest-status section once the service recovered. */
export function buildRecoveredSection(report: RunReport, run: RunIdentity): string {
  return [
    `✅ **Recovered.** ${verdictLine(report)}`,
    runLine(run, report),
    '',
    '#### Key metrics',
    keyMetricsTable(report)
  ].join('\n')
}

/** Comment posted just before the issue is closed. */
export function buildRecoveryComment(report: RunReport, run: RunIdentity): string {
  return [
    '### ✅ Recovered',
    '',
    buildRecoveredSection(report, run),
    '',
    'Closing this issue; a new one opens if the service fails again.',
    ''
  ].join('\n')
}
