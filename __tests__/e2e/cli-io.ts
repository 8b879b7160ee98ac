/** In-memory streams and a stop signal for driving src/cli.ts main() in-process. */
import type { CliIo } from '../../src/cli.js'

export interface CapturedIo extends CliIo {
  out(): string
  err(): string
  stopper: AbortController
}

export function captureIo(env: NodeJS.ProcessEnv = {}): CapturedIo {
  let stdout = ''
  let stderr = ''
  const stopper = new AbortController()
  return {
    stdout: { isTTY: false, write: (text: string) => (stdout += text) },
    stderr: { isTTY: false, write: (text: string) => (stderr += text) },
    // No seed variables from the machine running the tests leak into a run.
    env,
    stop: stopper.signal,
    stopper,
    out: () => stdout,
    err: () => stderr
  }
}
