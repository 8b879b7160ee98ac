/**
 * Options of one instrumented connection: their defaults and the checks
 * that turn a bad value into a RangeError at construction (STYLE.md §2,
 * library-style options), so nothing downstream re-validates them.
 */
import type { Clock } from '../metrics/clock.js'
import type { RunRecorder } from '../metrics/run-recorder.js'
import type { BufferBudget } from './buffer-budget.js'
import type { ProbeProtocol } from './protocol.js'
import type { ConnectionOptions } from './types.js'

/** Defaults in ms/bytes; the schema's thresholds override them through createConnector. */
export const CONNECTION_DEFAULTS = {
  /** Seed: a handshake must complete within 10 s. */
  handshakeTimeoutMs: 10_000,
  /** Seed: a reply must arrive within 30 s. */
  messageTimeoutMs: 30_000,
  /** Seed: a pong must arrive within 5 s. */
  pongTimeoutMs: 5_000,
  /** A closing handshake normally takes one round trip; 5 s covers slow services. */
  closeTimeoutMs: 5_000,
  /**
   * Largest message accepted from the service when no cap is given; runs
   * pass the cap derived from their probes (message-cap.ts). Above config's
   * 64 MiB large-probe limit.
   */
  maxPayload: 128 * 1024 * 1024
} as const

export interface CreateConnectionOptions extends ConnectionOptions {
  url: string
  clock: Clock
  protocol: ProbeProtocol
  /** Default reply timeout for probe() in ms. */
  messageTimeoutMs?: number
  /** Default pong timeout for ping() in ms. */
  pongTimeoutMs?: number
  /** Default timeout for close() in ms. */
  closeTimeoutMs?: number
  /** Largest incoming message in bytes (after inflation when compression is on). */
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

/** `value`, or `fallback` when absent; RangeError naming `name` and `unit` unless finite and > 0. */
export function positive(
  name: string,
  value: number | undefined,
  fallback: number,
  unit: 'milliseconds' | 'bytes' = 'milliseconds'
): number {
  const v = value ?? fallback
  if (!Number.isFinite(v) || v <= 0) {
    throw new RangeError(`${name}: got ${v}; expected a positive number of ${unit}`)
  }
  return v
}

/** Applies CONNECTION_DEFAULTS and validates each limit, in declaration order. */
export function resolveLimits(options: CreateConnectionOptions): ConnectionLimits {
  const d = CONNECTION_DEFAULTS
  return {
    handshakeTimeoutMs: positive(
      'handshakeTimeoutMs',
      options.handshakeTimeoutMs,
      d.handshakeTimeoutMs
    ),
    messageTimeoutMs: positive('messageTimeoutMs', options.messageTimeoutMs, d.messageTimeoutMs),
    pongTimeoutMs: positive('pongTimeoutMs', options.pongTimeoutMs, d.pongTimeoutMs),
    closeTimeoutMs: positive('closeTimeoutMs', options.closeTimeoutMs, d.closeTimeoutMs),
    maxPayload: positive('maxPayload', options.maxPayload, d.maxPayload, 'bytes')
  }
}
