/**
 * The ws-health CLI (dist/cli.js): argv -> src/config -> the same engine as
 * the action -> console report, optional JSON report, and the verdict as the
 * exit code (0 healthy, 1 the service failed validation, 2 bad usage or
 * configuration, or an internal error; 130 / 143 when SIGINT / SIGTERM
 * cancelled the run). It never imports @actions/core. `merge`, `serve` and
 * `help` load their modules when they run, and `run` loads its report once
 * the run is over: a start-up parses and evaluates only what its command
 * uses before it connects (BENCHMARKS.md, (e)).
 */
import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { parseArgv, type CommandName, type ParsedArgv } from './config/argv.js'
import { loadConfig } from './config/load.js'
import { runHealthCheck } from './run/run.js'
import { describeError, isHealthError } from './errors.js'
import { systemClock } from './metrics/clock.js'
import { humanStream, type CliPresentation } from './report/cli-streams.js'
import { startLiveOutput } from './report/live-output.js'
import type { ProgressStream } from './report/progress.js'
import {
  INTERRUPTED_EXIT,
  cancellationOf,
  exitAfterFlush,
  processStopSignal
} from './stop-signal.js'
import {
  discoverCommand,
  finishRunReport,
  historyCommand,
  resolveRunTarget
} from './cli-commands.js'

/** Kept equal to package.json's version (a test checks it). */
export const VERSION = '0.1.0'

export const EXIT = { healthy: 0, failed: 1, usage: 2 } as const

export interface CliIo {
  stdout: ProgressStream
  stderr: ProgressStream
  env: NodeJS.ProcessEnv
  /** Stops `serve` and interrupts `run` (default: SIGINT or SIGTERM). */
  stop?: AbortSignal
  /** Working directory for discovery and config files (default process.cwd()). */
  cwd?: string
  /** Period of the CI log's progress line (ms; default 10 s): tests shorten it. */
  progressIntervalMs?: number
}

const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }

/**
 * Runs one CLI invocation and resolves with its exit code; never rejects and
 * never prints a stack trace.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const stop = io.stop ? { signal: io.stop, dispose: () => undefined } : processStopSignal()
  try {
    const parsed = parseArgv(argv)
    switch (parsed.command) {
      case 'help': {
        const { commandHelp } = await import('./cli-help.js')
        io.stdout.write(`${commandHelp(parsed.topic)}\n`)
        return EXIT.healthy
      }
      case 'version':
        io.stdout.write(`ws-health ${VERSION}\n`)
        return EXIT.healthy
      case 'run':
        return await runCommand(parsed, io, stop.signal)
      case 'serve':
        return await serveCommand(parsed, io, stop.signal)
      case 'discover':
        return await discoverCommand(parsed, io, stop.signal)
      case 'history':
        return await historyCommand(parsed, io)
      case 'merge': {
        const { runMergeCommand } = await import('./commands/merge-command.js')
        return await runMergeCommand(parsed, io, presentation(parsed, io))
      }
    }
  } catch (error) {
    io.stderr.write(`${errorLine(error)}\n`)
    if (isHealthError(error) && error.code === 'WSH_ERR_CONFIG') {
      io.stderr.write(`Run "${helpCommand(argv)}" for usage.\n`)
    }
    return EXIT.usage
  } finally {
    stop.dispose()
  }
}

/** One line for any error: ours carry their message, anything else is internal. */
function errorLine(error: unknown): string {
  if (isHealthError(error)) return `ws-health: ${error.message}`
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE') {
    return `ws-health: ${describeError(error)} (choose another --port, or 0 for any free port)`
  }
  return `ws-health: internal error (WSH_ERR_INTERNAL): ${describeError(error)}`
}

/** `ws-health run --help` after a mistake in a run's flags; the overview for anything else. */
function helpCommand(argv: readonly string[]): string {
  const command = argv[0] as CommandName | undefined
  const known: readonly string[] = ['run', 'serve', 'discover', 'merge', 'history']
  return command !== undefined && known.includes(command)
    ? `ws-health ${command} --help`
    : 'ws-health --help'
}

async function runCommand(parsed: ParsedArgv, io: CliIo, signal: AbortSignal): Promise<number> {
  const config = loadConfig({ flags: parsed.flags, env: io.env, cwd: io.cwd })
  const target = await resolveRunTarget(config, io, signal)
  if (target === null) return EXIT.failed
  const shown = presentation(parsed, io)
  const live = startLiveOutput({
    config,
    url: target.url,
    human: humanStream(io, config, shown),
    terminal: io.stderr,
    github: shown.github === true,
    quiet: shown.quiet === true,
    clock: systemClock,
    intervalMs: io.progressIntervalMs
  })
  let report
  try {
    report = await runHealthCheck(
      { ...config, url: target.url },
      { onProgress: live.onProgress, onSuiteEnd: live.onSuiteEnd, signal }
    )
  } finally {
    live.stop()
  }
  await finishRunReport(report, config, target, io)
  // Loaded once the run is over: the console and JSON reports are not worth
  // evaluating before the first connection (BENCHMARKS.md, (e)).
  const { emitCliReport } = await import('./report/cli-report.js')
  const code = await emitCliReport(report, config, io, shown)
  // Interrupted: the shell's code for the signal, whatever was measured before it.
  const cancel = cancellationOf(signal)
  return cancel ? INTERRUPTED_EXIT[cancel.signal] : code
}

/** How run and merge present their result: output flags, NO_COLOR, and whether this is GitHub Actions. */
function presentation(parsed: ParsedArgv, io: CliIo): CliPresentation {
  const output = parsed.output ?? {}
  return {
    color: output.noColor !== true && useColor(io),
    json: output.json === true,
    quiet: output.quiet === true,
    verbose: output.verbose === true,
    github: io.env.GITHUB_ACTIONS === 'true'
  }
}

async function serveCommand(parsed: ParsedArgv, io: CliIo, signal: AbortSignal): Promise<number> {
  const port = typeof parsed.flags.port === 'number' ? parsed.flags.port : undefined
  const { startReferenceServer } = await import('./server/reference-server.js')
  // Resume on: `serve` is the self-healing suite's reference peer (session state across reconnects).
  const server = await startReferenceServer({ port, resume: true })
  try {
    io.stdout.write(`ws-health reference server listening on ${server.url}\n`)
    io.stdout.write('Press Ctrl+C to stop.\n')
    if (!signal.aborted) {
      await new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => resolve(), { once: true })
      )
    }
  } finally {
    await server.close()
  }
  return EXIT.healthy
}

function useColor(io: CliIo): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false
  if (io.env.FORCE_COLOR !== undefined) return io.env.FORCE_COLOR !== '0'
  return io.stdout.isTTY === true
}

/** True when this module is the process entry (node dist/cli.js, or a bin symlink to it). */
function isEntry(): boolean {
  const entry = process.argv[1]
  if (entry === undefined) return false
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href
  } catch {
    return false
  }
}

/**
 * Runs the CLI as the process (dist/cli.js, or this module run directly):
 * argv from the process, then exit once the output is flushed.
 */
export async function runCliProcess(): Promise<void> {
  const code = await main(process.argv.slice(2))
  // The report is written and the verdict final: exit now rather than wait for
  // the event loop to drain, so nothing a misbehaving service left behind (a
  // socket it never closes) can keep the process, and a CI job, alive.
  exitAfterFlush(code)
}

if (isEntry()) await runCliProcess()
