/**
 * The top of the step summary after the verdict: what fails the step beyond
 * the verdict (the gate), and the failed and degraded checks grouped by
 * reason, so an unreachable service reads as one line ("ECONNREFUSED, 32
 * checks in 5 suites") instead of 32 identical rows. Conformance findings
 * keep their own section (conformance-section.ts).
 */
import type { Check, RunReport, SuiteResult } from '../engine/model.js'
import { failsRun, healthProblems } from '../engine/verdict.js'
import type { Config } from '../config/schema.js'
import { plural } from '../format/figures.js'
import { escapeInline } from '../format/markdown.js'
import { gateReasons } from './gate-section.js'
import { STATUS_ICONS, suiteTitle } from '../format/status.js'

/** Reason lines shown before the rest are counted (the suite tables below list every check). */
export const MAX_REASON_LINES = 12

/** Longest reason shown; messages can quote a service's close reason. */
const REASON_MAX_CHARS = 400

export interface ReasonGroup {
  status: 'failed' | 'degraded'
  message: string
  code: Check['code']
  checks: { suite: SuiteResult; check: Check }[]
}

/** Failed and degraded checks grouped by status, code and message: failed first, biggest groups first. */
export function reasonGroups(report: Pick<RunReport, 'suites'>): ReasonGroup[] {
  const groups = new Map<string, ReasonGroup>()
  for (const suite of report.suites) {
    for (const check of healthProblems(suite.checks)) {
      const status = check.status === 'failed' ? 'failed' : 'degraded'
      const key = JSON.stringify([status, check.code ?? '', check.message])
      const group = groups.get(key) ?? {
        status,
        message: check.message,
        code: check.code,
        checks: []
      }
      group.checks.push({ suite, check })
      groups.set(key, group)
    }
  }
  return [...groups.values()].sort(
    (a, b) =>
      Number(b.status === 'failed') - Number(a.status === 'failed') ||
      b.checks.length - a.checks.length
  )
}

function checkName(suite: SuiteResult, check: Check): string {
  const scope = check.scope === 'client' ? ' (client resilience)' : ''
  return `${suiteTitle(suite)} / ${check.title}${scope}`
}

/** "Connection Lifecycle 6, Message Delivery 7" */
function perSuite(group: ReasonGroup): string {
  const counts = new Map<string, number>()
  for (const { suite } of group.checks) {
    counts.set(suiteTitle(suite), (counts.get(suiteTitle(suite)) ?? 0) + 1)
  }
  return [...counts].map(([title, count]) => `${title} ${count}`).join(', ')
}

function groupLine(group: ReasonGroup): string {
  const reason = escapeInline(group.message, REASON_MAX_CHARS)
  const code = group.code ? ` (${group.code})` : ''
  const [first] = group.checks
  if (group.checks.length === 1 && first) {
    // The message already states the value against its limit ("520 ms, needs < 500 ms").
    return `- ${STATUS_ICONS[group.status]} **${escapeInline(checkName(first.suite, first.check))}**: ${reason}${code}`
  }
  return `- ${STATUS_ICONS[group.status]} **${group.checks.length} checks** (${escapeInline(perSuite(group))}): ${reason}${code}`
}

/** The gate's reasons, saying whether they fail the step under fail_on. */
function gateLines(report: RunReport): string[] {
  const reasons = gateReasons(report.gate)
  if (reasons.length === 0 || report.gate === undefined) return []
  const failOn = report.config.failOn as Config['failOn']
  const fails = failsRun(report.status, failOn, report.gate)
  const head = fails
    ? '**⛔ The step fails on a gate** (a threshold you set, or fail_on_regression):'
    : `**Gate** (not failing the step: fail_on is ${String(failOn)}):`
  return [head, '', ...reasons.map((reason) => `- ${escapeInline(reason, REASON_MAX_CHARS)}`), '']
}

/** The gate and the grouped problems; empty for a run with neither. */
export function attentionSection(report: RunReport): string[] {
  const groups = reasonGroups(report)
  const gate = gateLines(report)
  if (groups.length === 0) return gate
  const checks = groups.reduce((sum, group) => sum + group.checks.length, 0)
  const lines = [
    ...gate,
    `### Needs attention: ${plural(checks, 'check')}, ${plural(groups.length, 'distinct reason')}`,
    ''
  ]
  for (const group of groups.slice(0, MAX_REASON_LINES)) lines.push(groupLine(group))
  const rest = groups.length - MAX_REASON_LINES
  if (rest > 0) lines.push(`- … and ${rest} more reasons: see the suite tables below`)
  lines.push('')
  return lines
}
