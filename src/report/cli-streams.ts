/**
 * Where the CLI's output goes and how it looks, decided before a run starts
 * (the live log needs it) and again when its report is emitted
 * (cli-report.ts, which is loaded only after the run: BENCHMARKS.md, (e)).
 */
import type { Config } from '../config/schema.js'

export interface ReportStream {
  isTTY?: boolean
  write(text: string): unknown
}

export interface ReportIo {
  stdout: ReportStream
  stderr: ReportStream
}

/** `--report -`: the JSON report goes to stdout instead of a file. */
export const STDOUT_REPORT = '-'

/** How the CLI presents a report (from --json, --quiet, --verbose, --no-color and the environment). */
export interface CliPresentation {
  /** ANSI colours in the human output. */
  color: boolean
  /** The JSON report on stdout (--json). */
  json?: boolean
  /** Only the verdict line (--quiet). */
  quiet?: boolean
  /** Per-connection lines in the console report (--verbose). */
  verbose?: boolean
  /** GITHUB_ACTIONS=true: annotations for failed and degraded checks. */
  github?: boolean
}

/** Whether the JSON report takes stdout, which sends every human line to stderr. */
export function jsonOnStdout(
  config: Pick<Config, 'reportPath'>,
  presentation: Pick<CliPresentation, 'json'>
): boolean {
  return presentation.json === true || config.reportPath === STDOUT_REPORT
}

/** The stream for human output: stdout, or stderr when stdout carries the JSON report. */
export function humanStream(
  io: ReportIo,
  config: Pick<Config, 'reportPath'>,
  presentation: Pick<CliPresentation, 'json'>
): ReportStream {
  return jsonOnStdout(config, presentation) ? io.stderr : io.stdout
}
