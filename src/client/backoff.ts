/**
 * Reconnect delay policy: exponential backoff with proportional jitter.
 * Pure: randomness is injected, so a test (or the self-healing suite) can
 * recompute exactly which delays the policy allows. Every option comes from
 * the caller: the defaults live in the config schema (self_healing.*,
 * max_reconnect_attempts), nowhere else.
 */

/** Draws a float in [0, 1). */
export type RandomSource = () => number

export interface BackoffOptions {
  /** Delay before the first reconnect attempt, ms. */
  initialDelayMs: number
  /** Growth per attempt (>= 1). */
  factor: number
  /** Cap on any delay, jitter included, ms. */
  maxDelayMs: number
  /**
   * Jitter as a ratio of the base delay, from 0 to 1: the delay is drawn
   * uniformly from base * [1 - jitter, 1 + jitter] (then capped at
   * maxDelayMs). 0.2 means +/- 20 %. Ratio jitter (not "full" jitter) keeps
   * each delay recognisably on the exponential curve, which the
   * self-healing suite checks, while still spreading a herd of clients.
   */
  jitter: number
  /** Reconnect attempts per recovery before giving up (seed: 5). */
  maxAttempts: number
}

/** Upper bound for maxAttempts: every retry loop stays bounded. */
export const MAX_ATTEMPTS_LIMIT = 10_000

export interface BackoffPolicy {
  readonly options: Readonly<BackoffOptions>
  /** Delay before `attempt` (1-based) without jitter, capped, ms. */
  baseDelayFor(attempt: number): number
  /** Delay before `attempt` (1-based) with jitter from `random`, capped, ms. */
  delayFor(attempt: number, random?: RandomSource): number
  /** Smallest and largest delay the policy allows before `attempt`, ms. */
  bounds(attempt: number): { minMs: number; maxMs: number }
}

function check(name: keyof BackoffOptions, ok: boolean, value: number, allowed: string): void {
  if (!ok) throw new RangeError(`${name}: got ${value}; expected ${allowed}`)
}

/** Validates options: a RangeError naming the first bad one. */
export function checkBackoffOptions(o: BackoffOptions): BackoffOptions {
  check(
    'initialDelayMs',
    Number.isFinite(o.initialDelayMs) && o.initialDelayMs >= 0,
    o.initialDelayMs,
    'ms >= 0'
  )
  check('factor', Number.isFinite(o.factor) && o.factor >= 1, o.factor, 'a number >= 1')
  check(
    'maxDelayMs',
    Number.isFinite(o.maxDelayMs) && o.maxDelayMs >= o.initialDelayMs,
    o.maxDelayMs,
    `ms >= initialDelayMs (${o.initialDelayMs})`
  )
  check(
    'jitter',
    Number.isFinite(o.jitter) && o.jitter >= 0 && o.jitter <= 1,
    o.jitter,
    'a ratio from 0 to 1'
  )
  check(
    'maxAttempts',
    Number.isInteger(o.maxAttempts) && o.maxAttempts >= 0 && o.maxAttempts <= MAX_ATTEMPTS_LIMIT,
    o.maxAttempts,
    `an integer from 0 to ${MAX_ATTEMPTS_LIMIT}`
  )
  return o
}

/** Creates a backoff policy; throws RangeError for a bad option. */
export function createBackoff(options: BackoffOptions): BackoffPolicy {
  const o = Object.freeze(checkBackoffOptions({ ...options }))
  const baseDelayFor = (attempt: number): number => {
    if (!Number.isInteger(attempt) || attempt < 1) {
      throw new RangeError(`attempt: got ${attempt}; expected an integer >= 1`)
    }
    return Math.min(o.initialDelayMs * o.factor ** (attempt - 1), o.maxDelayMs)
  }
  return {
    options: o,
    baseDelayFor,
    delayFor(attempt, random = Math.random) {
      const base = baseDelayFor(attempt)
      const spread = o.jitter * (2 * random() - 1)
      return Math.min(Math.max(base * (1 + spread), 0), o.maxDelayMs)
    },
    bounds(attempt) {
      const base = baseDelayFor(attempt)
      return {
        minMs: Math.min(base * (1 - o.jitter), o.maxDelayMs),
        maxMs: Math.min(base * (1 + o.jitter), o.maxDelayMs)
      }
    }
  }
}
