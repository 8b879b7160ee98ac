/**
 * GitHub Actions workflow commands (`::name props::data` lines on stdout),
 * escaped exactly as @actions/core 3 writes them. The lowest layer, so the
 * action's input reading (src/config/inputs.ts) and the CLI's annotations
 * (src/report/annotations.ts) share one escaping. The action loads
 * @actions/core only once the run is over: evaluating it evaluates
 * @actions/http-client and undici, which would cost a start-up more than the
 * rest of the way to the first connection (BENCHMARKS.md, (e)).
 */
import { EOL } from 'node:os'

/** A workflow command's data: `%`, CR and LF escaped as the runner expects. */
export function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** A workflow command's property value: data escaping plus `:` and `,`. */
export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

/** Where workflow commands go: the step's stdout, which the runner reads. */
export interface CommandStream {
  write(text: string): unknown
}

/**
 * Registers `secret` with the runner, which then masks it in every later log
 * line (`::add-mask::`, what core.setSecret writes).
 */
export function maskSecret(secret: string, out: CommandStream = process.stdout): void {
  out.write(`::add-mask::${escapeCommandData(secret)}${EOL}`)
}
