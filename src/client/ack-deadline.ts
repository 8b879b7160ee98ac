/**
 * Ack deadlines of the reconnecting client: a message written on a live
 * connection whose ack does not come back in time (the message or the ack
 * was lost, with no disconnect to trigger a resend) is written again on the
 * same connection, a bounded number of times, then given up so its
 * in-flight slot is freed. One timer per client, armed for the earliest
 * deadline on the injected clock, not one timer per message.
 */
import type { Clock } from '../metrics/clock.js'
import type { OutboundMessage } from './outbound-queue.js'
import { DEFAULT_ACK_TIMEOUT_MS, DEFAULT_MAX_ACK_RESENDS } from './reconnect-types.js'

export interface AckPolicy {
  /** ms; 0 = no deadline (only a reconnect resends). */
  ackTimeoutMs: number
  /** Resends after missed deadlines before a message is given up. */
  maxAckResends: number
}

/** Validates and defaults the ack options; RangeError naming the bad one. */
export function resolveAckPolicy(options: Partial<AckPolicy>): AckPolicy {
  const ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS
  if (!Number.isFinite(ackTimeoutMs) || ackTimeoutMs < 0) {
    throw new RangeError(`ackTimeoutMs: got ${ackTimeoutMs}; expected ms >= 0 (0 = no ack timeout)`)
  }
  const maxAckResends = options.maxAckResends ?? DEFAULT_MAX_ACK_RESENDS
  if (!Number.isInteger(maxAckResends) || maxAckResends < 0) {
    throw new RangeError(`maxAckResends: got ${maxAckResends}; expected an integer >= 0`)
  }
  return { ackTimeoutMs, maxAckResends }
}

export interface AckTimer {
  /** True while a wake-up is pending. */
  readonly armed: boolean
  /** Wakes `onFire` at clock time `atMs` (ms); ignored for a non-finite time. */
  armAt(atMs: number): void
  cancel(): void
}

/** The single timer; arming replaces any pending wake-up. */
export function createAckTimer(clock: Clock, onFire: () => void): AckTimer {
  let pending: AbortController | undefined
  return {
    get armed() {
      return pending !== undefined
    },
    armAt(atMs) {
      pending?.abort()
      pending = undefined
      if (!Number.isFinite(atMs)) return
      const timer = new AbortController()
      pending = timer
      clock.sleep(Math.max(0, atMs - clock.nowMs()), timer.signal).then(
        () => {
          if (pending !== timer) return
          pending = undefined
          onFire()
        },
        () => undefined
      )
    },
    cancel() {
      pending?.abort()
      pending = undefined
    }
  }
}

export interface Sweep {
  /** Overdue and to be written again (their deadline and counters are already moved on). */
  resend: OutboundMessage[]
  /** Overdue after their last resend: to be removed and counted lost. */
  giveUp: OutboundMessage[]
  /** Earliest deadline still pending after the sweep (Infinity when none). */
  nextDeadlineMs: number
}

/**
 * Sorts the messages written on the live connection at clock time `nowMs`:
 * overdue ones are resent (deadline pushed to now + ackTimeoutMs) or, after
 * `maxAckResends`, given up. Mutates the messages' ack fields and `writes`.
 */
export function sweepOverdue(
  written: readonly OutboundMessage[],
  nowMs: number,
  policy: AckPolicy
): Sweep {
  const sweep: Sweep = { resend: [], giveUp: [], nextDeadlineMs: Number.POSITIVE_INFINITY }
  for (const message of written) {
    if (message.ackDeadlineMs < 0) continue
    if (message.ackDeadlineMs > nowMs) {
      sweep.nextDeadlineMs = Math.min(sweep.nextDeadlineMs, message.ackDeadlineMs)
      continue
    }
    if (message.ackTimeouts >= policy.maxAckResends) {
      message.ackDeadlineMs = -1
      sweep.giveUp.push(message)
      continue
    }
    message.ackTimeouts += 1
    message.writes += 1
    message.ackDeadlineMs = nowMs + policy.ackTimeoutMs
    sweep.nextDeadlineMs = Math.min(sweep.nextDeadlineMs, message.ackDeadlineMs)
    sweep.resend.push(message)
  }
  return sweep
}

/** The lastError text for a message given up. */
export function givenUpMessage(message: OutboundMessage, policy: AckPolicy): string {
  return (
    `message ${message.id} unacknowledged after ${message.writes} writes ` +
    `(no ack within ${policy.ackTimeoutMs} ms of each on a live connection); given up`
  )
}
