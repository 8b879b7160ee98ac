/**
 * Connecting and healing: the first attempt, and after a loss the loop of
 * attempts spaced by the backoff policy, stretched while the breaker is open,
 * and given up after the policy's maximum (WSH_ERR_RECONNECT_EXHAUSTED).
 * Every wait runs on the injected clock and is measured into the recovery
 * record.
 */
import { HealthError } from '../errors.js'
import type { Clock } from '../metrics/clock.js'
import type { ClientLifecycle } from './client-lifecycle.js'
import { noteError, type ClientCore } from './reconnect-core.js'
import { type ReconnectStats, type RecoveryRecord } from './reconnect-types.js'
import { closeRecovery, noteDelay, openRecovery } from './recovery-record.js'
import type { ClientSocket } from './socket-opener.js'

export interface ReconnectLoop {
  /** The first connect (start()); a failed one hands over to a recovery with cause `initial`. */
  openFirst(): Promise<void>
  /** Starts a recovery in the background; a throw escaping it fails the client. */
  heal(cause: RecoveryRecord['cause'], closeCode: number | null): void
}

export interface ReconnectLoopParts {
  lifecycle: ClientLifecycle
  adopt(socket: ClientSocket): void
}

export function createReconnectLoop(core: ClientCore, parts: ReconnectLoopParts): ReconnectLoop {
  const { backoff, breaker, clock, stats } = core
  const { lifecycle, adopt } = parts
  const aborted = (): boolean => core.abort.signal.aborted
  const heal = (cause: RecoveryRecord['cause'], closeCode: number | null): void => {
    void recover(cause, closeCode).catch(lifecycle.fail)
  }

  async function openFirst(): Promise<void> {
    if (breaker?.canAttempt() === false) {
      stats.circuitRefusals += 1
      return
    }
    try {
      const socket = await dial(core)
      breaker?.onSuccess()
      if (aborted()) socket.terminate()
      else adopt(socket)
    } catch (error) {
      breaker?.onFailure()
      noteError(core, error)
      // Closed while the handshake was pending: stay closed, do not start reconnecting.
      if (!aborted()) heal('initial', null)
    }
  }

  /** Sleeps before `attempt`; the measured sleep in ms, or undefined when the client closed meanwhile. */
  async function waitBeforeAttempt(
    attempt: number,
    record: RecoveryRecord
  ): Promise<number | undefined> {
    // An open breaker stretches the wait to its reset timeout instead of hammering a dead service.
    const policyDelay = backoff.delayFor(attempt, core.random)
    const delay = Math.max(policyDelay, breaker?.msUntilAttempt() ?? 0)
    noteDelay(record, stats, policyDelay, delay)
    const sleptMs = await sleepMeasured(clock, delay, core.abort.signal)
    return aborted() ? undefined : sleptMs
  }

  async function recover(cause: RecoveryRecord['cause'], closeCode: number | null): Promise<void> {
    if (aborted()) return
    lifecycle.setState(cause === 'drop' ? 'reconnecting' : 'connecting')
    const record = openRecovery(stats, cause, closeCode, clock.nowMs())
    const max = backoff.options.maxAttempts
    for (let attempt = 1; attempt <= max; attempt += 1) {
      const sleptMs = await waitBeforeAttempt(attempt, record)
      if (sleptMs === undefined) return // closed while waiting
      record.attempts += 1
      if (breaker && !breaker.canAttempt()) {
        // The service was not asked: this wait was the client's alone.
        record.backoffSleepMs += sleptMs
        stats.circuitRefusals += 1
        noteError(core, new HealthError('WSH_ERR_CIRCUIT_OPEN', 'circuit open: attempt refused'))
        continue
      }
      const attemptAtMs = clock.nowMs()
      let socket: ClientSocket
      try {
        socket = await dial(core)
      } catch (error) {
        breaker?.onFailure()
        noteError(core, error)
        continue
      }
      if (aborted()) {
        socket.terminate()
        return
      }
      breaker?.onSuccess()
      closeRecovery(record, clock.nowMs(), attemptAtMs, sleptMs)
      stats.reconnections += 1
      adopt(socket)
      return
    }
    lifecycle.failWith(exhausted(max, stats.lastError))
  }

  return { openFirst, heal }
}

/** One connect attempt, carrying the resume token where the session sends it. */
async function dial(core: ClientCore): Promise<ClientSocket> {
  const { options, session } = core
  core.stats.attempts += 1
  return core.open(session.url(options.url), {
    headers: session.headers(options.headers ?? {}),
    subprotocols: options.subprotocols ?? [],
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    maxPayload: options.maxPayload,
    compression: options.compression
  })
}

function exhausted(max: number, lastError: ReconnectStats['lastError']): HealthError {
  return new HealthError(
    'WSH_ERR_RECONNECT_EXHAUSTED',
    // The cause goes in the message too: "exceeded maximum" alone hides why each attempt failed.
    `Reconnection attempts exceeded maximum (${max})` +
      (lastError ? `; last error: ${lastError.message}` : ''),
    lastError ? { cause: lastError } : undefined
  )
}

/**
 * Sleeps `delayMs` on `clock` and resolves with the ms that really passed
 * (a timer may fire late, and that lateness is the waiter's too), or
 * undefined when `signal` aborted the sleep.
 */
async function sleepMeasured(
  clock: Clock,
  delayMs: number,
  signal: AbortSignal
): Promise<number | undefined> {
  const fromMs = clock.nowMs()
  try {
    await clock.sleep(delayMs, signal)
  } catch {
    return undefined
  }
  return Math.max(0, clock.nowMs() - fromMs)
}
