/**
 * SIGINT/SIGTERM handling shared by the CLI and the action: the first signal
 * aborts the run's AbortSignal with a WSH_ERR_CANCELLED reason, so suites
 * stop, the service is stopped and the report is still written, marked
 * cancelled. The process then exits 128 + the signal's number, as a shell
 * reports a process the signal ended (130 SIGINT, 143 SIGTERM).
 */
import { HealthError } from './errors.js'

/** The signals that cancel a run. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const
export type StopSignalName = (typeof STOP_SIGNALS)[number]

/** Exit code of a run a signal interrupted: 128 + the signal number (POSIX shell convention). */
export const INTERRUPTED_EXIT: Record<StopSignalName, number> = { SIGINT: 130, SIGTERM: 143 }

/** A HealthError that says a run was cancelled (the abort reason of the stop signal). */
export class CancelledError extends HealthError {
  readonly signal: StopSignalName

  constructor(signal: StopSignalName) {
    super('WSH_ERR_CANCELLED', `cancelled by ${signal}`)
    this.signal = signal
  }
}

/** The CancelledError an aborted signal carries, if it was aborted by a stop signal. */
export function cancellationOf(signal: AbortSignal | undefined): CancelledError | undefined {
  if (signal?.aborted !== true) return undefined
  return isCancellation(signal.reason) ? signal.reason : undefined
}

/** Whether `reason` is a run cancellation (a stop signal), not a deadline or a fault. */
export function isCancellation(reason: unknown): reason is CancelledError {
  return reason instanceof CancelledError
}

export interface StopSignal {
  /** Aborted with a CancelledError on the first SIGINT or SIGTERM (see cancellationOf). */
  readonly signal: AbortSignal
  /** Removes the process listeners; idempotent. */
  dispose(): void
}

/**
 * Listens for SIGINT and SIGTERM while a command runs. A listener replaces
 * Node's default (exit at once), so the run can write its report first.
 */
export function processStopSignal(): StopSignal {
  const controller = new AbortController()
  const listeners = STOP_SIGNALS.map((name) => {
    // abort() is a no-op once aborted: the first signal names the cancellation.
    const listener = (): void => controller.abort(new CancelledError(name))
    process.on(name, listener)
    return { name, listener }
  })
  return {
    signal: controller.signal,
    dispose() {
      for (const { name, listener } of listeners) process.off(name, listener)
    }
  }
}

/**
 * Longest wait (ms) for stdout and stderr to drain before the process exits
 * anyway: a reader that stopped reading must not keep it alive.
 */
export const FLUSH_LIMIT_MS = 500

/**
 * Exits with `code` as soon as what was written to stdout and stderr has been
 * handed to the OS (at most FLUSH_LIMIT_MS later). Called once the results are
 * written, so open sockets or timers cannot hold the process.
 */
export function exitAfterFlush(code: number): void {
  process.exitCode = code
  let pending = 2
  const exit = (): void => process.exit(code)
  const flushed = (): void => {
    pending -= 1
    if (pending === 0) exit()
  }
  // An empty write's callback runs once everything queued before it is flushed.
  process.stdout.write('', flushed)
  process.stderr.write('', flushed)
  setTimeout(exit, FLUSH_LIMIT_MS).unref()
}
