/**
 * `ws-health merge FILE... [--report FILE] [--fail-on ...]`: reads the
 * reports (the shell expands globs), merges them, prints the console report,
 * optionally writes the merged JSON report, and returns the exit code for
 * the merged verdict. A bad or missing file is WSH_ERR_REPORT naming it.
 */
import type { ParsedArgv } from '../config/argv.js'
import { loadConfig } from '../config/load.js'
import type { RunReport } from '../engine/model.js'
import { emitCliReport } from '../report/cli-report.js'
import { humanStream, type CliPresentation } from '../report/cli-streams.js'
import { mergeReports } from '../report/merge.js'
import { readReportFiles } from './report-files.js'

export interface MergeIo {
  stdout: { isTTY?: boolean; write(text: string): unknown }
  stderr: { isTTY?: boolean; write(text: string): unknown }
  env: NodeJS.ProcessEnv
}

/** Reads and merges report files, naming each in errors. */
export async function mergeReportFiles(paths: readonly string[]): Promise<RunReport> {
  return mergeReports(await readReportFiles(paths), { names: paths })
}

/**
 * Runs the merge command.
 * @returns 0 healthy, 1 the merged verdict fails under --fail-on
 * @throws HealthError WSH_ERR_REPORT (bad file) or WSH_ERR_CONFIG (bad flag): exit code 2 in the CLI
 */
export async function runMergeCommand(
  parsed: ParsedArgv,
  io: MergeIo,
  presentation: CliPresentation
): Promise<number> {
  const config = loadConfig({ flags: parsed.flags, env: io.env })
  const report = await mergeReportFiles(parsed.positionals)
  if (!presentation.quiet) {
    humanStream(io, config, presentation).write(
      `Merged ${parsed.positionals.length} reports for ${report.target}\n`
    )
  }
  return emitCliReport(report, config, io, presentation)
}
