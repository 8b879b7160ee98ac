/**
 * The predictive-alert issue's markdown: title, body and comment for a
 * passing run whose trend raised predictions or regressions, plus the hidden
 * marker that records which alerts a comment already reported (so a repeated
 * alert does not comment again). Every figure comes from the trend; the only
 * user-controlled fragments (target, workflow) go through src/format/markdown.ts.
 */
import type { RunReport } from '../engine/model.js'
import type { Regression } from '../history/baseline.js'
import {
  METRIC_LABELS,
  describeAlerts,
  formatMetric,
  type DescribedAlert
} from '../history/describe.js'
import type { Prediction } from '../history/predict.js'
import type { TrendReport } from '../history/trend.js'
import { NOT_AVAILABLE, formatChange, formatNumber } from '../format/figures.js'
import { escapeMarkdown, inlineCode, tableHead, toIssueTitle } from '../format/markdown.js'
import { STATUS_ICONS, statusLabel } from '../format/status.js'
import { runLink, type RunIdentity } from './issue-body.js'
import { keyMarker, redactTarget, wrapLatest } from './issue-marker.js'

/** Alerts that concern the issue: a prediction or a regression of one metric. */
export type IssueAlert = DescribedAlert & { kind: 'prediction' | 'regression'; metric: string }

const ALERT_MARKER = /<!-- ws-health:alert alerts=([A-Za-z0-9:,]*) run=([A-Za-z0-9_-]*) -->/g

/** The trend's prediction and regression alerts with their sentences, critical first. */
export function issueAlerts(trend: TrendReport | null): IssueAlert[] {
  if (trend === null) return []
  return describeAlerts(trend).filter(
    (a): a is IssueAlert =>
      (a.kind === 'prediction' || a.kind === 'regression') && a.metric !== null && a.text !== ''
  )
}

/** `kind:metric` of each alert, sorted: what the marker records and compares. */
export function alertSignature(alerts: readonly IssueAlert[]): string[] {
  return [...new Set(alerts.map((a) => `${a.kind}:${a.metric}`))].sort()
}

/** The hidden marker for a comment or body that reported `alerts` in run `runId`. */
export function alertMarker(alerts: readonly IssueAlert[], runId: string | undefined): string {
  const run = (runId ?? '').replace(/[^A-Za-z0-9_-]/g, '')
  return `<!-- ws-health:alert alerts=${alertSignature(alerts).join(',')} run=${run} -->`
}

/** The alerts recorded by the last alert marker in `text`, or null when it has none. */
export function parseAlertMarker(text: string): { alerts: string[]; run: string } | null {
  let last: RegExpExecArray | null = null
  for (const match of text.matchAll(ALERT_MARKER)) last = match
  if (last === null) return null
  return { alerts: (last[1] ?? '').split(',').filter(Boolean), run: last[2] ?? '' }
}

/** True when `text` is a comment ws-health wrote (alert, failure or recovery comment). */
export function isOwnComment(text: string): boolean {
  if (text.includes('<!-- ws-health:')) return true
  return /^### \S+ (Still failing|Recovered)\b/.test(text.trimStart())
}

function days(value: number | null): string {
  if (value === null) return NOT_AVAILABLE
  return value < 1 ? '< 1' : String(Math.round(value))
}

function predictionRow(p: Prediction): string {
  const slope = formatMetric(p.metric, p.slopePerRun)
  return (
    `| ${METRIC_LABELS[p.metric].label} | ${formatMetric(p.metric, p.current)} | ` +
    `${formatMetric(p.metric, p.threshold)} | ${slope}/run | ${p.runsToCross} | ` +
    `${days(p.daysToCross)} | ${formatNumber(p.r2, 2)} | ${p.points} |`
  )
}

function regressionRow(r: Regression): string {
  return (
    `| ${METRIC_LABELS[r.metric].label} | ${formatMetric(r.metric, r.current)} | ` +
    `${formatMetric(r.metric, r.median)} | ${formatMetric(r.metric, r.lower)} – ` +
    `${formatMetric(r.metric, r.upper)} | ${formatChange(r.relativeChange)} | ${r.n} |`
  )
}

/** The alert lines and figure tables of one run. */
export function buildAlertFindings(
  report: RunReport,
  trend: TrendReport,
  alerts: readonly IssueAlert[],
  run: RunIdentity
): string {
  const lines = alerts.map((a) => `- **${a.severity}**: ${a.text}`)
  const metrics = new Set(alerts.map((a) => a.metric))
  const predictions = trend.predictions.filter((p) => metrics.has(p.metric))
  const regressions = trend.regressions.filter((r) => metrics.has(r.metric))
  const parts = [
    `**Status:** ${STATUS_ICONS[report.status]} ${statusLabel(report.status)} (not failing yet) · **Run:** ${runLink(run)}` +
      (run.commit ? ` · **Commit:** ${inlineCode(run.commit.slice(0, 12), 12)}` : ''),
    '',
    ...lines
  ]
  if (predictions.length > 0) {
    parts.push(
      '',
      '#### Predictions',
      ...tableHead([
        'Metric',
        'Current',
        'Threshold',
        'Slope',
        'Runs to cross',
        'Days to cross',
        'r²',
        'Points'
      ]),
      ...predictions.map(predictionRow)
    )
  }
  if (regressions.length > 0) {
    parts.push(
      '',
      '#### Regressions against the baseline',
      ...tableHead(['Metric', 'Current', 'Baseline median', 'Noise band', 'Change', 'Runs']),
      ...regressions.map(regressionRow)
    )
  }
  return parts.join('\n')
}

/** Title of an issue opened by a prediction: says it is predicted, not failing. */
export function buildAlertIssueTitle(workflow: string, target: string): string {
  return toIssueTitle(`WebSocket health predicted problem: ${redactTarget(target)} (${workflow})`)
}

/** Body of an issue opened by an alert; the key marker lets a later failure reuse it. */
export function buildAlertIssueBody(
  report: RunReport,
  trend: TrendReport,
  alerts: readonly IssueAlert[],
  run: RunIdentity & { runId?: string },
  key: string
): string {
  return [
    keyMarker(key),
    alertMarker(alerts, run.runId),
    '## WebSocket Health Predictive Alert',
    '',
    `**Target:** ${inlineCode(redactTarget(report.target), 300)}`,
    `**Workflow:** ${escapeMarkdown(run.workflow, 100)}`,
    '',
    'The service still passes, but its trend says it is heading for trouble.',
    '',
    '### Latest status',
    wrapLatest(buildAlertFindings(report, trend, alerts, run)),
    '',
    '### What happens next',
    'A new alert for another metric adds one comment; a failing run continues in this issue; ' +
      'the first passing run without alerts closes it.',
    '',
    '<sub>Managed by websocket-health-action.</sub>',
    ''
  ].join('\n')
}

/** Comment for an alert on an open issue. */
export function buildAlertComment(
  report: RunReport,
  trend: TrendReport,
  alerts: readonly IssueAlert[],
  run: RunIdentity & { runId?: string }
): string {
  return [
    alertMarker(alerts, run.runId),
    '### ⚠️ Predictive alert',
    '',
    buildAlertFindings(report, trend, alerts, run),
    ''
  ].join('\n')
}
