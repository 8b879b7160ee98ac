/**
 * How large one message from the service may be, and how many bytes all of
 * a run's connections may hold between them. Without a cap a service that
 * streams an endless fragmented message, or sends a deflate bomb, grows the
 * client's memory until the machine gives out (issue 17: 1.3 to 3 GB with
 * 20 connections); with it, each connection holds at most one capped
 * message and the run fails with WSH_ERR_MESSAGE_TOO_BIG instead.
 */
import type { Config } from '../config/schema.js'
import { HealthError } from '../errors.js'

const MIB = 1024 * 1024

/** The cap never goes below this: services send banners and replies larger than our probes. */
export const MIN_MESSAGE_CAP_BYTES = MIB

/**
 * The cap is this many times the largest probe: an echo comes back the same
 * size, and a json service may wrap the payload in an envelope.
 */
export const PROBE_CAP_FACTOR = 2

/** The cross-connection budget never goes below this (room for bursts of large echoes). */
export const MIN_BUFFER_BUDGET_BYTES = 128 * MIB

/** The close reason the chaos relay sends when the service's message passed the cap. */
export const RELAY_TOO_BIG_REASON = 'message from the service over max_message_bytes'

/**
 * The per-message cap in bytes: `max_message_bytes` when set, else twice the
 * largest probe the run sends (large_payload_bytes, min_message_bytes), at
 * least MIN_MESSAGE_CAP_BYTES.
 */
export function messageCapBytes(
  config: Pick<Config, 'maxMessageBytes' | 'largePayloadBytes' | 'minMessageBytes'>
): number {
  if (config.maxMessageBytes !== undefined) return config.maxMessageBytes
  const largestProbe = Math.max(config.largePayloadBytes, config.minMessageBytes ?? 0)
  return Math.max(MIN_MESSAGE_CAP_BYTES, PROBE_CAP_FACTOR * largestProbe)
}

/** Bytes all connections of one connector may buffer at once: two capped messages, at least 128 MiB. */
export function bufferBudgetBytes(capBytes: number): number {
  return Math.max(MIN_BUFFER_BUDGET_BYTES, 2 * capBytes)
}

/** The error a connection fails with when a message from `safeUrl` passed the cap. */
export function messageTooBig(label: string, safeUrl: string, capBytes: number): HealthError {
  return new HealthError(
    'WSH_ERR_MESSAGE_TOO_BIG',
    `${label}: ${safeUrl} sent a message over ${capBytes} bytes (max_message_bytes); connection closed with 1009`
  )
}

/** The error a connection fails with when the run's buffered bytes passed the budget. */
export function bufferBudgetExceeded(
  label: string,
  safeUrl: string,
  budgetBytes: number
): HealthError {
  return new HealthError(
    'WSH_ERR_MESSAGE_TOO_BIG',
    `${label}: bytes received from ${safeUrl} and not yet delivered, across all connections, passed the budget of ${budgetBytes} bytes (twice max_message_bytes, at least 128 MiB); connection dropped`
  )
}

/** ws's error for a message over maxPayload (also raised while inflating). */
export function isMessageTooBig(error: Error): boolean {
  return (error as NodeJS.ErrnoException).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
}
