/**
 * What a run prints while it runs: on a terminal, the one-line progress
 * indicator (progress.ts); anywhere else (a CI job, a pipe), the start line
 * and the CI log (ci-log.ts); nothing with --quiet. The action and the CLI
 * both start it, so the two logs read the same.
 */
import type { Config } from '../config/schema.js'
import type { SuiteResult } from '../engine/model.js'
import type { Clock } from '../metrics/clock.js'
import { createCiLog, type LiveProgress } from './ci-log.js'
import { createProgressLine, type ProgressStream } from './progress.js'
import { startLine } from './start-line.js'

export interface LiveOutputOptions {
  config: Config
  /** The URL the run checks (given or discovered). */
  url: string
  /** Where the run's human output goes (the CI log is written there). */
  human: ProgressStream
  /** Where a terminal progress line goes (it is drawn only when this is a terminal). */
  terminal: ProgressStream
  /** GITHUB_ACTIONS=true: `::group::` commands instead of heading lines. */
  github: boolean
  /** --quiet: nothing until the verdict. */
  quiet: boolean
  clock: Clock
  /** Period of the CI log's progress line (ms); default 10 s. */
  intervalMs?: number
}

export interface LiveOutput {
  onProgress(progress: LiveProgress): void
  onSuiteEnd(result: SuiteResult): void
  /** Ends the live output (closes an open group, erases a progress line). */
  stop(): void
}

const SILENT: LiveOutput = {
  onProgress: () => undefined,
  onSuiteEnd: () => undefined,
  stop: () => undefined
}

/**
 * Starts the live output of a run; the start line is written at once.
 * @throws HealthError WSH_ERR_CONFIG for a `shard` that would run nothing (as the run would).
 */
export function startLiveOutput(options: LiveOutputOptions): LiveOutput {
  if (options.quiet) return SILENT
  if (options.human.isTTY) {
    const line = createProgressLine(options.terminal, { clock: options.clock })
    return { onProgress: line.update, onSuiteEnd: () => undefined, stop: line.stop }
  }
  const { human } = options
  const writeLine = (text: string): void => {
    human.write(`${text}\n`)
  }
  writeLine(startLine(options.config, options.url))
  const log = createCiLog({
    writeLine,
    github: options.github,
    clock: options.clock,
    plannedMs: options.config.duration * 1000,
    intervalMs: options.intervalMs
  })
  return { onProgress: log.update, onSuiteEnd: log.suiteEnd, stop: log.stop }
}
