/**
 * Chaos mode's timing rules, which the service path (retry windows, probe
 * resends) applies whether or not the relay runs: apart from the relay so a
 * run without chaos mode never loads it (BENCHMARKS.md, (e)).
 */
import type { FaultConfig } from '../chaos/faults.js'

/** A connect refused by the relay's fault window is retried for this many reconnect delays. */
export const CHAOS_CONNECT_RETRY_FACTOR = 3
/** The retry window is at least this long (ms), even with no reconnect delay configured. */
export const CHAOS_CONNECT_MIN_RETRY_MS = 500

/**
 * How long (ms) the chaos connector keeps retrying a refused connect:
 * CHAOS_CONNECT_RETRY_FACTOR x the relay's reconnect delay, at least
 * CHAOS_CONNECT_MIN_RETRY_MS. Long enough to ride out the 503 window a random
 * disconnect opens (plus one more disconnect behind it), short enough that a
 * service which really refuses still fails in bounded time.
 */
export function chaosRetryWindowMs(faults: Pick<FaultConfig, 'randomDisconnect'>): number {
  return Math.max(
    CHAOS_CONNECT_MIN_RETRY_MS,
    CHAOS_CONNECT_RETRY_FACTOR * faults.randomDisconnect.reconnectDelayMs
  )
}

/** Margin (ms) added to the slowest round trip the faults can cause, for the service itself. */
export const CHAOS_PROBE_MARGIN_MS = 1_000
/** The resend timeout is at least this long (ms), even with no delay faults. */
export const CHAOS_PROBE_MIN_TIMEOUT_MS = 1_000
/** Resends per probe under chaos before it counts as lost (ProbeRunOptions.maxResends). */
export const CHAOS_PROBE_MAX_RESENDS = 2

/**
 * Per-probe resend timeout (ms) under chaos: the slowest round trip the
 * faults can cause on their own, 2 x network_delay.max (each direction) +
 * slow_response.delay (server-to-client only), plus CHAOS_PROBE_MARGIN_MS,
 * at least CHAOS_PROBE_MIN_TIMEOUT_MS and at most `messageTimeoutMs`. The
 * relay's pipes are first in first out, so a delayed frame holds later ones
 * back by at most its own delay. A probe unanswered by then was dropped by
 * the relay's message_loss: waiting the full message timeout for it would
 * judge the fault, not the service, so it is resent instead.
 */
export function chaosProbeTimeoutMs(
  faults: Pick<FaultConfig, 'networkDelay' | 'slowResponse'>,
  messageTimeoutMs: number
): number {
  const slowest = 2 * faults.networkDelay.maxMs + faults.slowResponse.delayMs
  return Math.min(
    messageTimeoutMs,
    Math.max(CHAOS_PROBE_MIN_TIMEOUT_MS, slowest + CHAOS_PROBE_MARGIN_MS)
  )
}
