/**
 * The action's glue: inputs -> config -> runHealthCheck -> JSON report,
 * outputs, console log and step summary. Nothing runs on import; src/index.ts
 * calls run(). Only this file calls core.setFailed, once. SIGINT/SIGTERM
 * cancel the run as in the CLI: the report, outputs (status=cancelled) and
 * summary are still written, and the step exits 130 / 143.
 */
import type * as ActionsCore from '@actions/core'
import { join } from 'node:path'
import { readActionInputs } from './config/inputs.js'
import { loadConfig } from './config/load.js'
import { applyGate } from './engine/gate.js'
import { failsRun } from './engine/verdict.js'
import type { RunReport } from './engine/model.js'
import { describeError, isHealthError } from './errors.js'
import { renderConsole } from './report/console.js'
import { writeJsonReport } from './report/json.js'
import { notStartedOutputs, toOutputs } from './report/outputs.js'
import { buildErrorSummary, buildStepSummary } from './report/step-summary.js'
import { verdictLine } from './report/verdict-line.js'
import { gateLine } from './report/gate-section.js'
import { toolLagWarning } from './report/run-conditions.js'
import { alertIssueApplies, issueSummaryLine, syncRunIssue } from './github/action-issue.js'
import {
  annotateChecks,
  discoveryFailureSummary,
  keepActionHistory,
  runActionCheck
} from './action-extras.js'
import {
  INTERRUPTED_EXIT,
  cancellationOf,
  exitAfterFlush,
  processStopSignal
} from './stop-signal.js'

/** File name of the JSON report when `report_path` is empty. */
export const DEFAULT_REPORT_FILE = 'ws-health-report.json'

/** `report_path`, or ws-health-report.json in RUNNER_TEMP (the working directory outside Actions). */
export function defaultReportPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.RUNNER_TEMP || process.cwd(), DEFAULT_REPORT_FILE)
}

/**
 * The merge job's report. Loaded on first use: a job that runs suites never
 * needs the merge code, and a start-up should not evaluate it (BENCHMARKS.md, (e)).
 */
async function mergeReports(patterns: string): Promise<RunReport> {
  const { mergeReportFiles } = await import('./commands/merge-command.js')
  const { expandGlobs } = await import('./commands/report-files.js')
  return mergeReportFiles(await expandGlobs(patterns))
}

/**
 * @actions/core, loaded once the run is over: the inputs, masks and live log
 * before it need none of it (src/core/workflow-commands.ts says why).
 */
function loadCore(): Promise<typeof ActionsCore> {
  return import('@actions/core')
}

/**
 * Runs the action; resolves even when the check fails (the failure is set on
 * the step). `signal` cancels the run (default: SIGINT or SIGTERM to this process).
 */
export async function run(signal?: AbortSignal): Promise<void> {
  const stop = signal ? { signal, dispose: () => undefined } : processStopSignal()
  let summary: string | undefined
  let failure: string | undefined
  try {
    const config = loadConfig({ inputs: readActionInputs() })
    // merge_reports: combine other jobs' reports instead of running suites.
    const report =
      config.mergeReports !== undefined
        ? await mergeReports(config.mergeReports)
        : await runActionCheck(config, stop.signal)
    const core = await loadCore()
    // History is a side channel too: it warns and never changes the verdict.
    const history = await keepActionHistory(core, report, config)
    // After the history, which adds the regressions fail_on_regression gates on.
    const gate = applyGate(report, config)
    const reportPath = await writeReport(core, config.reportPath ?? defaultReportPath(), report)
    // A side channel: it warns (issues: write) and never changes the verdict.
    const issue = await syncRunIssue({
      config,
      report,
      trend: history.trend,
      env: process.env,
      log: { info: (m) => core.info(m), warning: (m) => core.warning(m) }
    })
    const outputs = toOutputs(report, {
      reportPath,
      issueNumber: issue?.issueNumber ?? null,
      predictiveAlert: history.predictive
    })
    for (const [name, value] of Object.entries(outputs)) {
      core.setOutput(name, value)
    }
    // Per-connection lines only with step debug logging on (RUNNER_DEBUG): the JSON report keeps them.
    core.info(renderConsole(report, { color: false, verbose: core.isDebug() }))
    annotateChecks(core, report)
    const lagWarning = toolLagWarning(report)
    if (lagWarning !== undefined) core.warning(lagWarning, { title: 'ws-health tool lag' })
    const issueKind = alertIssueApplies(config, report.status) ? 'prediction' : 'failure'
    summary = [
      buildStepSummary(report, { failOn: config.failOn }),
      issueSummaryLine(issue, issueKind)
    ]
      .filter((s) => s !== '')
      .join('\n\n')
    if (failsRun(report.status, config.failOn, gate)) {
      const gated = gateLine(report)
      failure = `WebSocket health ${verdictLine(report)} (fail_on: ${config.failOn})${gated ? `; ${gated}` : ''}`
    }
  } catch (error) {
    const core = await loadCore()
    // A config error is the user's to fix; anything else is ours and says so.
    failure = isHealthError(error)
      ? describeError(error)
      : `ws-health internal error (WSH_ERR_INTERNAL): ${describeError(error)}`
    const discoverySummary = discoveryFailureSummary(core, error)
    summary = discoverySummary ?? buildErrorSummary(failure)
    // No service found is a failed validation: later steps read status=failed, not a blank.
    // A configuration error sets none: nothing was attempted (the step fails with the reason).
    if (discoverySummary !== undefined) {
      for (const [name, value] of Object.entries(notStartedOutputs())) core.setOutput(name, value)
    }
  } finally {
    await writeSummary(summary)
    stop.dispose()
  }
  if (failure !== undefined) (await loadCore()).setFailed(failure)
  // Interrupted: the shell's code for the signal (after setFailed, which sets 1).
  const cancel = cancellationOf(stop.signal)
  if (cancel) process.exitCode = INTERRUPTED_EXIT[cancel.signal]
}

/** Runs the action as the process (dist/index.js): run(), then exit once the output is flushed. */
export async function runActionProcess(): Promise<void> {
  await run()
  // The step's result, outputs and summary are written: exit now, so a socket or
  // timer a misbehaving service left behind cannot hold the job open.
  exitAfterFlush(Number(process.exitCode ?? 0))
}

/** Writes the JSON report; a write failure warns and leaves report_path empty. */
async function writeReport(
  core: typeof ActionsCore,
  path: string,
  report: RunReport
): Promise<string> {
  try {
    return await writeJsonReport(path, report)
  } catch (error) {
    core.warning(
      `could not write the JSON report to ${path} (report_path): ${describeError(error)}`
    )
    return ''
  }
}

/** The summary is a side channel: failing to write it warns and never changes the verdict. */
async function writeSummary(markdown: string | undefined): Promise<void> {
  if (markdown === undefined) return
  const core = await loadCore()
  try {
    await core.summary.addRaw(markdown, true).write()
  } catch (error) {
    core.warning(`could not write the step summary: ${describeError(error)}`)
  }
}
