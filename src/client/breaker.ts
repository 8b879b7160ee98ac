/**
 * Circuit breaker: after `failureThreshold` consecutive failures it opens and
 * refuses attempts for `resetTimeoutMs`, so a dead service is not hammered;
 * then one trial attempt is let through (half-open): success closes it,
 * failure opens it again. Time comes from the injected Clock. Both options
 * come from the caller (defaults: config self_healing.breaker_*).
 */
import { HealthError } from '../errors.js'
import { systemClock, type Clock } from '../metrics/clock.js'

export type BreakerState = 'closed' | 'open' | 'half-open'

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number
  /** Time the circuit stays open before a trial attempt, ms. */
  resetTimeoutMs: number
}

export interface BreakerTransition {
  from: BreakerState
  to: BreakerState
  /** Clock.nowMs() when it happened. */
  atMs: number
}

export interface CircuitBreaker {
  readonly state: BreakerState
  readonly options: Readonly<BreakerOptions>
  /** Every state change, in order. */
  readonly transitions: readonly BreakerTransition[]
  /** Consecutive failures counted so far. */
  readonly failures: number
  /**
   * True when an attempt may go ahead now. When open and the reset timeout
   * has passed this moves to half-open and grants the one trial attempt.
   */
  canAttempt(): boolean
  /** Like canAttempt() but throws HealthError WSH_ERR_CIRCUIT_OPEN when refused. */
  guard(): void
  /** Ms until canAttempt() can next return true (0 when it would now). */
  msUntilAttempt(): number
  onSuccess(): void
  onFailure(): void
}

/** Upper bound on recorded transitions: a long flapping run stays bounded in memory. */
export const MAX_TRANSITIONS = 1_000

export function createBreaker(options: BreakerOptions, clock: Clock = systemClock): CircuitBreaker {
  const o: BreakerOptions = { ...options }
  if (!Number.isInteger(o.failureThreshold) || o.failureThreshold < 1) {
    throw new RangeError(`failureThreshold: got ${o.failureThreshold}; expected an integer >= 1`)
  }
  if (!Number.isFinite(o.resetTimeoutMs) || o.resetTimeoutMs < 0) {
    throw new RangeError(`resetTimeoutMs: got ${o.resetTimeoutMs}; expected ms >= 0`)
  }
  let state: BreakerState = 'closed'
  let failures = 0
  let openedAtMs = 0
  let trialInFlight = false
  const transitions: BreakerTransition[] = []

  function move(to: BreakerState): void {
    if (to === state) return
    if (transitions.length < MAX_TRANSITIONS)
      transitions.push({ from: state, to, atMs: clock.nowMs() })
    state = to
  }

  function msUntilAttempt(): number {
    if (state === 'closed') return 0
    if (state === 'half-open') return trialInFlight ? o.resetTimeoutMs : 0
    return Math.max(0, openedAtMs + o.resetTimeoutMs - clock.nowMs())
  }

  function canAttempt(): boolean {
    if (state === 'closed') return true
    if (state === 'open') {
      if (msUntilAttempt() > 0) return false
      move('half-open')
    }
    if (trialInFlight) return false
    trialInFlight = true
    return true
  }

  return {
    get state() {
      return state
    },
    options: Object.freeze(o),
    transitions,
    get failures() {
      return failures
    },
    canAttempt,
    guard() {
      if (!canAttempt()) {
        throw new HealthError(
          'WSH_ERR_CIRCUIT_OPEN',
          `circuit open after ${failures} consecutive failures; next attempt allowed in ${Math.ceil(msUntilAttempt())} ms`
        )
      }
    },
    msUntilAttempt,
    onSuccess() {
      failures = 0
      trialInFlight = false
      move('closed')
    },
    onFailure() {
      failures += 1
      trialInFlight = false
      if (state === 'half-open' || failures >= o.failureThreshold) {
        openedAtMs = clock.nowMs()
        move('open')
      }
    }
  }
}
