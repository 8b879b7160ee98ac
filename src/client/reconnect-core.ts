/**
 * The state the reconnecting client's parts share: its settings with
 * defaults applied, its counters, the queue of unacknowledged messages, the
 * backoff policy and breaker, and the few fields that change as connections
 * come and go. One object passed to each part, so reconnecting-client.ts
 * only wires them together and no part keeps a copy that could go stale.
 */
import { redactText } from '../config/redact.js'
import { HealthError } from '../errors.js'
import { systemClock, type Clock } from '../metrics/clock.js'
import { resolveAckPolicy, type AckPolicy } from './ack-deadline.js'
import { createBackoff, type BackoffPolicy, type RandomSource } from './backoff.js'
import { createBreaker, type CircuitBreaker } from './breaker.js'
import { createOutboundQueue, type OutboundQueue } from './outbound-queue.js'
import {
  DEFAULT_MAX_IN_FLIGHT,
  type ClientState,
  type MessageListener,
  type ReconnectingClientOptions,
  type ReconnectStats
} from './reconnect-types.js'
import { createResumeSession, type ResumeSession } from './resume-session.js'
import { openWsSocket, type ClientSocket, type OpenSocket } from './socket-opener.js'

export interface ClientCore {
  readonly options: ReconnectingClientOptions
  readonly clock: Clock
  readonly open: OpenSocket
  readonly random: RandomSource
  readonly idField: string
  readonly idPrefix: string
  readonly maxInFlight: number
  readonly ack: AckPolicy
  readonly shouldReconnect: (code: number) => boolean
  readonly backoff: BackoffPolicy
  readonly breaker: CircuitBreaker | undefined
  readonly queue: OutboundQueue
  readonly session: ResumeSession
  readonly stats: ReconnectStats
  /** Aborted once the client closes or fails: every sleep and attempt after that stops. */
  readonly abort: AbortController
  readonly messageListeners: Set<MessageListener>
  readonly stateListeners: Set<(state: ClientState, atMs: number) => void>
  /** Told when messages leave the queue without an ack arriving (given up), for waitForAcks. */
  readonly progressListeners: Set<() => void>
  state: ClientState
  /** The connection messages are written on; undefined between connections. */
  current: ClientSocket | undefined
  /** Counts adopted connections: what was written on an earlier one is written again. */
  generation: number
  /** Written on the current connection and not yet acknowledged. */
  inFlight: number
  /** Why the client failed, once it has. */
  failure: HealthError | undefined
}

/** Applies defaults and checks options; throws RangeError naming a bad one. */
export function createClientCore(options: ReconnectingClientOptions): ClientCore {
  const clock = options.clock ?? systemClock
  const backoff = createBackoff(options.backoff)
  const breaker = options.breaker === null ? undefined : createBreaker(options.breaker, clock)
  const queue = createOutboundQueue(options.maxQueue)
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(`maxInFlight: got ${maxInFlight}; expected an integer >= 1`)
  }
  return {
    options,
    clock,
    open: options.open ?? openWsSocket,
    random: options.random ?? Math.random,
    idField: options.idField ?? 'id',
    idPrefix: options.idPrefix ?? 'm',
    maxInFlight,
    ack: resolveAckPolicy(options),
    shouldReconnect: options.shouldReconnect ?? ((code: number) => code !== 1000),
    backoff,
    breaker,
    queue,
    session: createResumeSession(options.resume),
    stats: emptyStats(),
    abort: new AbortController(),
    messageListeners: new Set(),
    stateListeners: new Set(),
    progressListeners: new Set(),
    state: 'idle',
    current: undefined,
    generation: 0,
    inFlight: 0,
    failure: undefined
  }
}

function emptyStats(): ReconnectStats {
  return {
    attempts: 0,
    reconnections: 0,
    recoveries: [],
    delaysMs: [],
    messagesSent: 0,
    messagesAcked: 0,
    resends: 0,
    ackTimeouts: 0,
    messagesAbandoned: 0,
    duplicateAcks: 0,
    circuitRefusals: 0,
    messagesLost: null,
    lastError: null
  }
}

/** True once the client closed or failed for good. */
export function hasEnded(core: ClientCore): boolean {
  return core.state === 'closed' || core.state === 'failed'
}

/** Records `error` as the client's lastError, with its code (WSH_ERR_CONNECT when it has none). */
export function noteError(core: ClientCore, error: unknown): void {
  const code = error instanceof HealthError ? error.code : 'WSH_ERR_CONNECT'
  const message = error instanceof Error ? error.message : String(error)
  const token = core.session.token
  // The resume token rides in the dialled URL or a header; a custom parameter name would slip
  // past URL redaction, so the token itself is scrubbed too.
  core.stats.lastError = { code, message: redactText(message, token === undefined ? [] : [token]) }
}
