/**
 * How a CLI command that ends in a report hands it to the user: the console
 * report (or only the verdict line with --quiet), the JSON report on stdout
 * (--json, --report -) or in a file (--report FILE), annotations for missed
 * checks under GitHub Actions, and the exit code for the verdict under
 * --fail-on and the gate (src/engine/gate.ts). Shared by `ws-health run` and `ws-health merge`.
 */
import type { Config } from '../config/schema.js'
import type { RunReport } from '../engine/model.js'
import { applyGate } from '../engine/gate.js'
import { exitCodeFor } from '../engine/verdict.js'
import { HealthError, describeError } from '../errors.js'
import { annotationCommand, checkAnnotations } from './annotations.js'
import { renderConsole } from './console.js'
import { gateLine } from './gate-section.js'
import { toJsonReport, writeJsonReport } from './json.js'
import { verdictLine } from './verdict-line.js'
import {
  STDOUT_REPORT,
  humanStream,
  jsonOnStdout,
  type CliPresentation,
  type ReportIo
} from './cli-streams.js'

/**
 * Prints the report, writes --report, and returns the exit code (0 or 1).
 * @throws HealthError WSH_ERR_REPORT when the --report file cannot be written (exit 2)
 */
export async function emitCliReport(
  report: RunReport,
  config: Pick<Config, 'reportPath' | 'failOn' | 'failOnRegression'>,
  io: ReportIo,
  presentation: CliPresentation
): Promise<0 | 1> {
  // Judged before printing and writing, so the console and the JSON report both carry it.
  const gate = applyGate(report, config)
  const human = humanStream(io, config, presentation)
  if (jsonOnStdout(config, presentation)) {
    io.stdout.write(`${JSON.stringify(toJsonReport(report), null, 2)}\n`)
  }
  if (!presentation.quiet) {
    human.write(
      `${renderConsole(report, { color: presentation.color, verbose: presentation.verbose === true })}\n`
    )
  }
  if (config.reportPath !== undefined && config.reportPath !== STDOUT_REPORT) {
    let written: string
    try {
      written = await writeJsonReport(config.reportPath, report)
    } catch (error) {
      throw new HealthError(
        'WSH_ERR_REPORT',
        `could not write --report ${config.reportPath}: ${describeError(error)}`,
        { cause: error }
      )
    }
    if (!presentation.quiet) human.write(`Report written to ${written}\n`)
  }
  // The runner reads workflow commands from either stream and hides them from the log.
  if (presentation.github) {
    for (const annotation of checkAnnotations(report)) {
      human.write(`${annotationCommand(annotation)}\n`)
    }
  }
  const code = exitCodeFor(report.status, config.failOn, gate)
  const gated = gateLine(report)
  const reason = `ws-health: ${verdictLine(report)}${gated ? `; ${gated}` : ''}
`
  if (presentation.quiet) human.write(reason)
  else if (code !== 0) io.stderr.write(reason)
  return code
}
