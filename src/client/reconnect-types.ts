/**
 * Public shape of the reconnecting client: its options, the records it
 * keeps of every recovery, and its methods. The behaviour lives in
 * reconnecting-client.ts.
 */
import type { HealthError } from '../errors.js'
import type { Clock } from '../metrics/clock.js'
import type { BackoffOptions, BackoffPolicy, RandomSource } from './backoff.js'
import type { BreakerOptions, CircuitBreaker } from './breaker.js'
import type { ResumeOptions } from './resume-options.js'
import type { OpenSocket } from './socket-opener.js'

export interface ReconnectingClientOptions {
  url: string
  /** Default: systemClock. Tests pass a manual clock. */
  clock?: Clock
  /** Default: a `ws` WebSocket (openWsSocket). */
  open?: OpenSocket
  headers?: Record<string, string>
  subprotocols?: string[]
  /** Per-attempt handshake limit, ms (config handshake_timeout_ms). */
  handshakeTimeoutMs: number
  /** Largest message accepted, bytes (passed to the opener; default the opener's). */
  maxPayload?: number
  /** Offer permessage-deflate (default false). */
  compression?: boolean
  /** Delay policy; `maxAttempts` per recovery before WSH_ERR_RECONNECT_EXHAUSTED. */
  backoff: BackoffOptions
  /** Breaker options; null disables the breaker. */
  breaker: BreakerOptions | null
  /** Jitter source (default Math.random; pass a seeded one for reproducible delays). */
  random?: RandomSource
  resume?: ResumeOptions
  /** Bound on unacknowledged messages (default 10000). */
  maxQueue?: number
  /**
   * Messages written but not yet acknowledged on one connection (default 32).
   * A window keeps each drop cheap: without it every reconnect rewrites the
   * whole backlog, and under frequent drops no ack ever makes it back.
   */
  maxInFlight?: number
  /** Prefix of message ids; give each client its own when several share a receiver (default `m`). */
  idPrefix?: string
  /** JSON field carrying the message id, in sends and in acks (default `id`). */
  idField?: string
  /** Whether a close the client did not start triggers a reconnect (default: every code but 1000). */
  shouldReconnect?: (code: number) => boolean
  /**
   * How long a written message waits for its ack before it is written again
   * on the same connection, ms (default DEFAULT_ACK_TIMEOUT_MS; 0 = never:
   * only a reconnect resends). Without it a message or ack lost on a live
   * connection holds its in-flight slot forever, and after `maxInFlight` such
   * losses the client stalls. Measured on the injected clock.
   */
  ackTimeoutMs?: number
  /**
   * Resends after missed ack deadlines per message (default
   * DEFAULT_MAX_ACK_RESENDS). After that the message is given up: removed
   * from the queue, counted in `messagesAbandoned`, and named in lastError.
   */
  maxAckResends?: number
}

export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed'

export interface RecoveryRecord {
  /** `initial`: the first connect failed; `drop`: an open connection was lost. */
  cause: 'initial' | 'drop'
  /** Close code of the dropped connection (1006 = no close frame); null for `initial`. */
  closeCode: number | null
  /** Clock.nowMs() when the loss was seen. */
  startedAtMs: number
  /** Clock.nowMs() when a connection was open again (null while running or when it gave up). */
  endedAtMs: number | null
  /** The client's sleep before the attempt that succeeded, clock ms (null until then). */
  lastSleep: { fromMs: number; toMs: number } | null
  /** endedAtMs - startedAtMs, ms: the client's whole wait, its own backoff sleep included. */
  timeToReconnectMs: number | null
  /**
   * The service's recovery, ms: from the loss until the service accepted
   * again, without the client's own backoff sleep (timeToReconnectMs -
   * backoffSleepMs); null until a connection is open again.
   */
  recoveryMs: number | null
  /**
   * The client's own waiting in this recovery, ms (measured, not nominal):
   * the sleep before the attempt that succeeded, and sleeps before attempts
   * the open breaker refused (the service was not asked). A sleep ended by
   * an attempt the service refused counts as its downtime, not as this.
   */
  backoffSleepMs: number
  /** Reconnect attempts made in this recovery (refused by the breaker included). */
  attempts: number
  /** Delay actually waited before each attempt, ms (the policy's, or longer while the breaker was open). */
  delaysMs: number[]
  /** What the backoff policy alone asked for before each attempt, ms (check against BackoffPolicy.bounds). */
  policyDelaysMs: number[]
  succeeded: boolean
}

export interface ReconnectStats {
  /** Connect attempts in total, the first one included. */
  attempts: number
  /** Recoveries that ended with an open connection. */
  reconnections: number
  recoveries: RecoveryRecord[]
  /** Every delay waited before an attempt, in order, ms. */
  delaysMs: number[]
  /** Unique application messages handed to send(). */
  messagesSent: number
  /** Messages acknowledged (each id counted once). */
  messagesAcked: number
  /** Writes of an already-written message (after a reconnect or a missed ack deadline). */
  resends: number
  /** Ack deadlines missed on a live connection (each one led to a resend or to giving up). */
  ackTimeouts: number
  /** Messages given up after `maxAckResends` missed deadlines (they count as lost). */
  messagesAbandoned: number
  /** Acks for ids no longer pending (the service acked a resend twice). */
  duplicateAcks: number
  /** Attempts the open breaker refused. */
  circuitRefusals: number
  /** sent - acked once the client closed or failed; null while running. */
  messagesLost: number | null
  lastError: { code: string; message: string } | null
}

export type MessageListener = (data: Buffer, isBinary: boolean, json: unknown) => void

export interface ReconnectingClient {
  readonly state: ClientState
  readonly stats: Readonly<ReconnectStats>
  /** Unacknowledged messages right now. */
  readonly pending: number
  readonly backoff: BackoffPolicy
  /** Undefined when disabled. */
  readonly breaker: CircuitBreaker | undefined
  /** Last resume token received; never log it. */
  readonly resumeToken: string | undefined
  /** Why the client failed (WSH_ERR_RECONNECT_EXHAUSTED), if it did. */
  readonly failure: HealthError | undefined
  /** Connects (retrying per the policy); rejects with WSH_ERR_RECONNECT_EXHAUSTED. */
  start(): Promise<void>
  /**
   * Queues an application message and returns its id. An object is sent as
   * JSON with the id added under `idField`; a string as
   * `{"type":"msg","id":..,"body":string}`. Throws WSH_ERR_CONNECTION_LOST
   * when the client is closed/failed or the queue is full.
   */
  send(body: string | Record<string, unknown>): string
  /** Resolves when a connection is open; rejects when the client closed or failed. */
  whenOpen(): Promise<void>
  /**
   * Resolves when nothing is pending; rejects WSH_ERR_MESSAGE_TIMEOUT after
   * `timeoutMs` (clock time), or once the queue emptied only because messages
   * were given up after missed ack deadlines.
   */
  waitForAcks(timeoutMs: number): Promise<void>
  /** Every received message (acks included), with its parsed JSON or undefined. Returns an unsubscribe. */
  onMessage(listener: MessageListener): () => void
  /** Called on every state change with Clock.nowMs(). Returns an unsubscribe. */
  onStateChange(listener: (state: ClientState, atMs: number) => void): () => void
  /** Drops the current connection abruptly (no close frame), as a network fault would. */
  drop(): void
  /** Closes for good (no reconnect); resolves when closed. */
  close(code?: number, reason?: string): Promise<void>
}

/** Bound on kept recovery records: a flapping service cannot grow memory without limit. */
export const MAX_RECOVERY_RECORDS = 1_000
/** Wait for the close handshake before terminating, ms: one round trip, with room for a slow service. */
export const CLOSE_TIMEOUT_MS = 2_000
export const DEFAULT_MAX_IN_FLIGHT = 32
/** Longer than a slow service's reply under chaos (2 s slow response plus delays both ways). */
export const DEFAULT_ACK_TIMEOUT_MS = 5_000
export const DEFAULT_MAX_ACK_RESENDS = 3
