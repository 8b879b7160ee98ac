/**
 * The action's glue: inputs -> config -> runHealthCheck -> JSON report,
 * outputs, console log and step summary. Nothing runs on import; src/index.ts
 * calls run(). Only this file calls core.setFailed, once. SIGINT/SIGTERM
 * cancel the run as in the CLI: the report, outputs (status=cancelled) and
 * summary are still written, and the step exits 130 / 143.
 */
import { join } from 'node:path'
import type { ActionOutcome } from './action-report.js'
import { runActionCheck } from './action-extras.js'
import { readActionInputs } from './config/inputs.js'
import { loadConfig } from './config/load.js'
import type { RunReport } from './engine/model.js'
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
 * The action's side after the run (src/action-report.ts), and @actions/core,
 * the report code, the failure issue and the history with it: loaded once
 * the run is over, so a start evaluates none of it before its first
 * connection (BENCHMARKS.md, (e)). The inputs, masks and live log before it
 * need none of it (src/core/workflow-commands.ts).
 */
function afterRun(): Promise<typeof import('./action-report.js')> {
  return import('./action-report.js')
}

/**
 * Runs the action; resolves even when the check fails (the failure is set on
 * the step). `signal` cancels the run (default: SIGINT or SIGTERM to this process).
 */
export async function run(signal?: AbortSignal): Promise<void> {
  const stop = signal ? { signal, dispose: () => undefined } : processStopSignal()
  let outcome: ActionOutcome = {}
  try {
    const config = loadConfig({ inputs: readActionInputs() })
    // merge_reports: combine other jobs' reports instead of running suites.
    const report =
      config.mergeReports !== undefined
        ? await mergeReports(config.mergeReports)
        : await runActionCheck(config, stop.signal)
    outcome = await (
      await afterRun()
    ).reportRun(report, config, config.reportPath ?? defaultReportPath())
  } catch (error) {
    outcome = (await afterRun()).reportError(error)
  } finally {
    await (await afterRun()).writeSummary(outcome.summary)
    stop.dispose()
  }
  if (outcome.failure !== undefined) (await import('@actions/core')).setFailed(outcome.failure)
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
