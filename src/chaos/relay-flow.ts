/**
 * Backpressure limits of the chaos relay: how many bytes one direction of
 * one connection may hold before its source is paused, resumed, or the
 * connection is closed with 1009. The mechanism lives in pipe.ts.
 */
import type { ChaosRelayOptions } from './relay-types.js'

/** Per pipe (one direction of one connection): beyond this the connection is closed with 1009. */
export const DEFAULT_RELAY_MAX_QUEUED_BYTES = 64 * 1024 * 1024
/** Per pipe: the source socket is paused above this many held bytes... */
export const DEFAULT_RELAY_HIGH_WATER_BYTES = 1024 * 1024
/** ...and resumed at or below this many. */
export const DEFAULT_RELAY_LOW_WATER_BYTES = 256 * 1024
/** Close code for a connection whose relay buffer overflowed (RFC 6455: message too big). */
export const RELAY_OVERFLOW_CLOSE_CODE = 1009

/** The relay's backpressure limits from its options, defaulted and validated (RangeError naming the option). */
export function flowLimits(options: ChaosRelayOptions): {
  highWaterBytes: number
  lowWaterBytes: number
  maxQueuedBytes: number
} {
  const maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_RELAY_MAX_QUEUED_BYTES
  const highWaterBytes =
    options.highWaterBytes ?? Math.min(DEFAULT_RELAY_HIGH_WATER_BYTES, maxQueuedBytes)
  const lowWaterBytes =
    options.lowWaterBytes ?? Math.min(DEFAULT_RELAY_LOW_WATER_BYTES, Math.floor(highWaterBytes / 4))
  const positive = (name: string, value: number): void => {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${name}: got ${value}; expected an integer number of bytes >= 1`)
    }
  }
  positive('maxQueuedBytes', maxQueuedBytes)
  positive('highWaterBytes', highWaterBytes)
  if (highWaterBytes > maxQueuedBytes) {
    throw new RangeError(
      `highWaterBytes: got ${highWaterBytes}; expected <= maxQueuedBytes (${maxQueuedBytes})`
    )
  }
  if (!Number.isInteger(lowWaterBytes) || lowWaterBytes < 0 || lowWaterBytes >= highWaterBytes) {
    throw new RangeError(
      `lowWaterBytes: got ${lowWaterBytes}; expected an integer from 0 to below highWaterBytes (${highWaterBytes})`
    )
  }
  return { highWaterBytes, lowWaterBytes, maxQueuedBytes }
}
