/**
 * What the action does once its run is over: the run history, the gate,
 * the JSON report, the failure issue, outputs, the console log,
 * annotations and the step summary, all through @actions/core. src/main.ts
 * loads this module, and core and the report code with it, only after the
 * run: the action's start evaluates none of it before its first connection
 * (BENCHMARKS.md, (e)). It never calls core.setFailed: it returns the
 * failure, which main.ts sets once.
 */
import * as core from '@actions/core'
import { annotateDiscoveryWarnings } from './action-extras.js'
import { runEnvironment } from './config/environment.js'
import type { Config } from './config/schema.js'
import type { DiscoveryError } from './discovery/describe.js'
import { applyGate } from './engine/gate.js'
import type { RunReport } from './engine/model.js'
import { failsRun } from './engine/verdict.js'
import { describeError, isHealthError } from './errors.js'
import { alertIssueApplies, issueSummaryLine, syncRunIssue } from './github/action-issue.js'
import type { Severity } from './history/baseline.js'
import { keepRunHistory } from './history/run-history.js'
import type { TrendReport } from './history/trend.js'
import { checkAnnotations } from './report/annotations.js'
import { renderConsole } from './report/console.js'
import { buildDiscoveryFailureSummary } from './report/discovery-section.js'
import { gateLine } from './report/gate-section.js'
import { writeJsonReport } from './report/json.js'
import { notStartedOutputs, toOutputs } from './report/outputs.js'
import { toolLagWarning } from './report/run-conditions.js'
import { buildErrorSummary, buildStepSummary } from './report/step-summary.js'
import { verdictLine } from './report/verdict-line.js'

/** What main.ts finishes the step with. */
export interface ActionOutcome {
  /** Markdown for the step summary (none: nothing to write). */
  summary?: string
  /** The step's failure message (none: the step passes). */
  failure?: string
}

/**
 * Publishes a finished run (or merge): history, gate, JSON report at
 * `reportPath`, failure issue, outputs, console log and annotations; returns
 * the step summary and the failure for the verdict under fail_on and the gate.
 */
export async function reportRun(
  report: RunReport,
  config: Config,
  reportPath: string
): Promise<ActionOutcome> {
  // History is a side channel too: it warns and never changes the verdict.
  const history = await keepActionHistory(report, config)
  // After the history, which adds the regressions fail_on_regression gates on.
  const gate = applyGate(report, config)
  const writtenPath = await writeReport(reportPath, report)
  // A side channel: it warns (issues: write) and never changes the verdict.
  const issue = await syncRunIssue({
    config,
    report,
    trend: history.trend,
    env: runEnvironment(),
    log: { info: (m) => core.info(m), warning: (m) => core.warning(m) }
  })
  const outputs = toOutputs(report, {
    reportPath: writtenPath,
    issueNumber: issue?.issueNumber ?? null,
    predictiveAlert: history.predictive
  })
  for (const [name, value] of Object.entries(outputs)) {
    core.setOutput(name, value)
  }
  // Per-connection lines only with step debug logging on (RUNNER_DEBUG): the JSON report keeps them.
  core.info(renderConsole(report, { color: false, verbose: core.isDebug() }))
  annotateChecks(report)
  const lagWarning = toolLagWarning(report)
  if (lagWarning !== undefined) core.warning(lagWarning, { title: 'ws-health tool lag' })
  const issueKind = alertIssueApplies(config, report) ? 'prediction' : 'failure'
  const summary = [
    buildStepSummary(report, { failOn: config.failOn }),
    issueSummaryLine(issue, issueKind)
  ]
    .filter((s) => s !== '')
    .join('\n\n')
  if (!failsRun(report.status, config.failOn, gate)) return { summary }
  const gated = gateLine(report)
  return {
    summary,
    failure: `WebSocket health ${verdictLine(report)} (fail_on: ${config.failOn})${gated ? `; ${gated}` : ''}`
  }
}

/** The step's failure and summary for an error that stopped the action before it had a report. */
export function reportError(error: unknown): ActionOutcome {
  // A config error is the user's to fix; anything else is ours and says so.
  const failure = isHealthError(error)
    ? describeError(error)
    : `ws-health internal error (WSH_ERR_INTERNAL): ${describeError(error)}`
  const discoverySummary = discoveryFailureSummary(error)
  // No service found is a failed validation: later steps read status=failed, not a blank.
  // A configuration error sets none: nothing was attempted (the step fails with the reason).
  if (discoverySummary !== undefined) {
    for (const [name, value] of Object.entries(notStartedOutputs())) core.setOutput(name, value)
  }
  return { failure, summary: discoverySummary ?? buildErrorSummary(failure) }
}

/** The summary is a side channel: failing to write it warns and never changes the verdict. */
export async function writeSummary(markdown: string | undefined): Promise<void> {
  if (markdown === undefined) return
  try {
    await core.summary.addRaw(markdown, true).write()
  } catch (error) {
    core.warning(`could not write the step summary: ${describeError(error)}`)
  }
}

/** Writes the JSON report; a write failure warns and leaves report_path empty. */
async function writeReport(path: string, report: RunReport): Promise<string> {
  try {
    return await writeJsonReport(path, report)
  } catch (error) {
    core.warning(
      `could not write the JSON report to ${path} (report_path): ${describeError(error)}`
    )
    return ''
  }
}

/**
 * The step summary for a run that discovery could not start (what was tried,
 * why each was rejected), with its warnings annotated; undefined for any other error.
 */
function discoveryFailureSummary(error: unknown): string | undefined {
  if (!isHealthError(error) || error.code !== 'WSH_ERR_DISCOVERY') return undefined
  const result = (error as DiscoveryError).discovery
  if (result === undefined) return undefined
  annotateDiscoveryWarnings(core, result.warnings)
  return buildDiscoveryFailureSummary(result)
}

/**
 * An error annotation for each failed check and a warning for each degraded
 * one, titled `<suite> / <check>` (src/report/annotations.ts); they describe
 * the verdict and never set it.
 */
function annotateChecks(report: RunReport): void {
  for (const { level, title, message } of checkAnnotations(report)) {
    if (level === 'error') core.error(message, { title })
    else core.warning(message, { title })
  }
}

const ANNOTATE: Record<Severity, (message: string, props: core.AnnotationProperties) => void> = {
  critical: (message, props) => core.error(message, props),
  warning: (message, props) => core.warning(message, props),
  info: (message, props) => core.notice(message, props)
}

/**
 * Keeps the run history (history_file / history_branch): sets report.trend,
 * annotates each trend alert (critical as error, warning, info as notice;
 * none of them fails the step) and resolves with the `predictive_alert`
 * value with the trend (for alert_issue). History problems are warnings.
 */
async function keepActionHistory(
  report: RunReport,
  config: Config
): Promise<{ predictive: boolean; trend: TrendReport | null }> {
  // A cancelled run is not history: it would skew baselines (keepRunHistory skips it too).
  if (report.status === 'cancelled') return { predictive: false, trend: null }
  const { outcome, warnings } = await keepRunHistory(report, config, {
    env: runEnvironment(),
    token: config.githubToken
  })
  for (const warning of warnings) core.warning(warning, { title: 'ws-health history' })
  if (outcome === null) return { predictive: false, trend: null }
  for (const alert of outcome.alerts) {
    ANNOTATE[alert.severity](alert.text, { title: `ws-health trend (${alert.severity})` })
  }
  if (outcome.count !== null) core.info(`Run history: ${outcome.count} run(s) kept`)
  return { predictive: outcome.predictive, trend: outcome.trend }
}
