/**
 * Deadlines and cancellation for the runner and the suites: every wait in a
 * run is bounded, so a silent or hostile service can never hang it.
 */
import { setMaxListeners } from 'node:events'
import { HealthError } from '../errors.js'

/** The run ends within `duration` + this, whatever the service does (DESIGN.md contract). */
export const RUN_SLACK_MS = 60_000
/** Kept back from the run deadline so report, outputs and issue can still be written after the suites. */
export const REPORT_RESERVE_MS = 5_000
/** Added to a suite's sampling budget for its fixed work (a few handshakes, closes and probes). */
export const SUITE_GRACE_MS = 15_000
/** How long a suite whose deadline passed may take to return what it measured before it is cut. */
export const ABORT_GRACE_MS = 2_000
/**
 * Abort listeners a deadline's signal may hold before Node warns of a leak.
 * Every bounded wait listens on it while it runs, and a suite under chaos
 * runs several phases at once (connections, probe runs, clients, sleeps):
 * more than Node's default of 10 at a time is expected, not a leak.
 */
export const MAX_SIGNAL_LISTENERS = 100

export interface Deadline {
  /** Aborted (with a WSH_ERR_DEADLINE HealthError as reason) when the deadline passes or the parent aborts. */
  readonly signal: AbortSignal
  /** Releases the timer and the parent listener; idempotent. */
  dispose(): void
}

/**
 * A signal that aborts after `ms` milliseconds of real time, or when
 * `parent` aborts (its reason is passed on).
 * @param ms delay before the abort, in ms (>= 0)
 * @param what names what hit the deadline, for the error message
 */
export function createDeadline(ms: number, what: string, parent?: AbortSignal): Deadline {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`createDeadline: ms must be a finite number >= 0, got ${ms}`)
  }
  const controller = new AbortController()
  setMaxListeners(MAX_SIGNAL_LISTENERS, controller.signal)
  const timer = setTimeout(() => {
    controller.abort(deadlineError(what, ms))
  }, ms)
  const onParentAbort = (): void => {
    controller.abort(parent?.reason)
  }
  if (parent?.aborted) onParentAbort()
  else parent?.addEventListener('abort', onParentAbort, { once: true })
  let disposed = false
  return {
    signal: controller.signal,
    dispose() {
      if (disposed) return
      disposed = true
      clearTimeout(timer)
      parent?.removeEventListener('abort', onParentAbort)
    }
  }
}

/** The error a deadline aborts with. */
export function deadlineError(what: string, ms: number): HealthError {
  return new HealthError(
    'WSH_ERR_DEADLINE',
    `${what} exceeded its deadline of ${Math.round(ms)} ms`
  )
}

/**
 * Settles like `promise`, or rejects with `signal.reason` as soon as `signal`
 * aborts. The underlying work is not cancelled; use it for promises that may
 * never settle.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(noop)
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(noop)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      }
    )
  })
}

/**
 * Settles like `promise`, or rejects with `makeError()` after `ms`
 * milliseconds (and with `signal.reason` if `signal` aborts first).
 * @param ms time limit in ms
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  makeError: () => Error,
  signal?: AbortSignal
): Promise<T> {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`withTimeout: ms must be a finite number >= 0, got ${ms}`)
  }
  const timed = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      promise.catch(noop)
      reject(makeError())
    }, ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      }
    )
  })
  return signal ? abortable(timed, signal) : timed
}

/** Resolves after `ms` of real time, or early (without error) when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) {
      resolve()
      return
    }
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}

function noop(): void {}
