/**
 * Options of one instrumented connection and the checks that turn a bad
 * value into a RangeError at construction (STYLE.md §2, library-style
 * options), so nothing downstream re-validates them. The user-settable
 * timeouts come from the caller (connectionTimeouts in connection.ts reads
 * them from config): their defaults live in the config schema only.
 */
import type { Clock } from '../metrics/clock.js'
import type { RunRecorder } from '../metrics/run-recorder.js'
import type { BufferBudget } from './buffer-budget.js'
import type { ProbeProtocol } from './protocol.js'
import type { ConnectionOptions } from './types.js'

/**
 * Default limit of close(): a closing handshake normally takes one round
 * trip; 5 s covers slow services. Not a user setting; close() takes a
 * per-call limit.
 */
export const CLOSE_TIMEOUT_MS = 5_000
/**
 * Largest message accepted from the service when the caller gives no cap;
 * runs pass the cap derived from their probes (message-cap.ts). Above
 * config's 64 MiB large-probe limit.
 */
export const FALLBACK_MAX_PAYLOAD_BYTES = 128 * 1024 * 1024

export interface CreateConnectionOptions extends ConnectionOptions {
  url: string
  clock: Clock
  protocol: ProbeProtocol
  /** Handshake limit in ms (config handshake_timeout_ms). */
  handshakeTimeoutMs: number
  /** Default reply timeout for probe() in ms (config thresholds.message_timeout_ms). */
  messageTimeoutMs: number
  /** Default pong timeout for ping() in ms (config thresholds.pong_timeout_ms). */
  pongTimeoutMs: number
  /** Largest incoming message in bytes, after inflation (FALLBACK_MAX_PAYLOAD_BYTES when absent). */
  maxPayload?: number
  /** Offer permessage-deflate (default false: byte counts stay honest, nothing inflates). */
  compression?: boolean
  /** Shared budget on bytes received and not yet delivered; none when absent. */
  bufferBudget?: BufferBudget
  /** The run's metrics sink; nothing is recorded when absent or when `record` is false. */
  recorder?: RunRecorder
}

/** The limits a connection runs with, every one validated. */
export interface ConnectionLimits {
  handshakeTimeoutMs: number
  messageTimeoutMs: number
  pongTimeoutMs: number
  closeTimeoutMs: number
  maxPayload: number
}

/** `value` itself; RangeError naming `name` and `unit` unless finite and > 0 (a missing one too). */
function checkedPositive(
  name: string,
  value: number | undefined,
  unit: 'milliseconds' | 'bytes' = 'milliseconds'
): number {
  if (value === undefined || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name}: got ${value}; expected a positive number of ${unit}`)
  }
  return value
}

/** `value`, or `fallback` when absent; RangeError naming `name` and `unit` unless finite and > 0. */
export function positive(
  name: string,
  value: number | undefined,
  fallback: number,
  unit: 'milliseconds' | 'bytes' = 'milliseconds'
): number {
  return checkedPositive(name, value ?? fallback, unit)
}

/** Validates each limit, in declaration order, filling the internal ones. */
export function resolveLimits(options: CreateConnectionOptions): ConnectionLimits {
  return {
    handshakeTimeoutMs: checkedPositive('handshakeTimeoutMs', options.handshakeTimeoutMs),
    messageTimeoutMs: checkedPositive('messageTimeoutMs', options.messageTimeoutMs),
    pongTimeoutMs: checkedPositive('pongTimeoutMs', options.pongTimeoutMs),
    closeTimeoutMs: CLOSE_TIMEOUT_MS,
    maxPayload: positive('maxPayload', options.maxPayload, FALLBACK_MAX_PAYLOAD_BYTES, 'bytes')
  }
}
