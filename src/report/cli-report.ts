/**
 * How a CLI command that ends in a report hands it to the user: the console
 * report on stdout, the JSON file when --report is given, and the exit code
 * for the verdict under --fail-on and the gate (src/engine/gate.ts), with the
 * one-line reason on stderr.
 * Shared by `ws-health run` and `ws-health merge`.
 */
import type { Config } from '../config/schema.js'
import type { RunReport } from '../engine/model.js'
import { applyGate } from '../engine/gate.js'
import { exitCodeFor } from '../engine/verdict.js'
import { HealthError, describeError } from '../errors.js'
import { renderConsole } from './console.js'
import { writeJsonReport } from './json.js'
import { gateLine } from './gate-section.js'
import { verdictLine } from './verdict-line.js'

export interface ReportIo {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
}

/**
 * Prints the report, writes --report, and returns the exit code (0 or 1).
 * @throws HealthError WSH_ERR_REPORT when the --report file cannot be written (exit 2)
 */
export async function emitCliReport(
  report: RunReport,
  config: Pick<Config, 'reportPath' | 'failOn' | 'failOnRegression'>,
  io: ReportIo,
  color: boolean
): Promise<0 | 1> {
  // Judged before printing and writing, so the console and the JSON report both carry it.
  const gate = applyGate(report, config)
  io.stdout.write(`${renderConsole(report, { color })}\n`)
  if (config.reportPath !== undefined) {
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
    io.stdout.write(`Report written to ${written}\n`)
  }
  const code = exitCodeFor(report.status, config.failOn, gate)
  const gated = gateLine(report)
  if (code !== 0) io.stderr.write(`ws-health: ${verdictLine(report)}${gated ? `; ${gated}` : ''}\n`)
  return code
}
