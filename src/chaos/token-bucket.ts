/**
 * Bandwidth limit as a token bucket: `bytesPerSecond` tokens refill
 * continuously up to a burst of one second's worth. A message larger than
 * the tokens on hand borrows against the future (tokens go negative), so a
 * large message is delayed in proportion to its size instead of stalling forever.
 */
import type { Clock } from '../metrics/clock.js'

export interface TokenBucket {
  /** Takes `bytes` tokens; returns how long to wait before sending, ms (0 = now). */
  reserve(bytes: number): number
}

export function createTokenBucket(bytesPerSecond: number, clock: Clock): TokenBucket {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) {
    throw new RangeError(`bytesPerSecond: got ${bytesPerSecond}; expected a number > 0`)
  }
  const burst = bytesPerSecond
  let tokens = burst
  let lastMs = clock.nowMs()
  return {
    reserve(bytes) {
      const now = clock.nowMs()
      tokens = Math.min(burst, tokens + ((now - lastMs) / 1000) * bytesPerSecond)
      lastMs = now
      tokens -= bytes
      return tokens >= 0 ? 0 : (-tokens / bytesPerSecond) * 1000
    }
  }
}
