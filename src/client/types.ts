/**
 * The instrumented connection's public shape. Suites talk only to this
 * interface (through a `Connect` factory handed to them by the engine), so
 * they never import `ws` and can be driven against any implementation.
 */
import type { ErrorCode } from '../errors.js'

/** Payload kinds a probe can carry; a protocol that cannot carry one says why. */
export type PayloadKind = 'text' | 'json' | 'binary' | 'large'

export type ReadyState = 'CONNECTING' | 'OPEN' | 'CLOSING' | 'CLOSED'

export interface StateChange {
  state: ReadyState
  /** Monotonic ms (Clock.nowMs) when the state was entered. */
  atMs: number
}

export interface HandshakeInfo {
  /** HTTP status of the upgrade response (101 on success). */
  status: number
  /** Subprotocol the server selected ('' when none). */
  protocol: string
  /** Sec-WebSocket-Extensions the server accepted ('' when none). */
  extensions: string
  /** From starting the connect to the open event, in ms. */
  connectTimeMs: number
}

export interface CloseInfo {
  /** Close code received (1005 when the peer sent none, 1006 when the TCP connection dropped). */
  code: number
  reason: string
  /** True when a close frame was exchanged before the TCP connection ended. */
  wasClean: boolean
  /** Who started the close. */
  initiatedBy: 'client' | 'server' | 'network'
  /**
   * True when the service ended the TCP connection itself (its FIN arrived)
   * before the client gave up waiting and dropped it; false when the client
   * had to drop it. Absent when the client cannot observe the TCP layer.
   */
  serverClosedTcp?: boolean
}

export interface RoundTrip {
  /** Probe id (unique per connection). */
  id: number
  /** Time from the send call to the matching reply, in ms. */
  rttMs: number
  /**
   * True when the reply carried exactly what was sent (echo) or matched the
   * reply rule (json; see matchedById for whether it named this probe). A
   * corrupted reply rejects the probe (WSH_ERR_CORRUPTED_REPLY) instead, so a
   * resolved round trip is always intact; kept for callers that read it.
   */
  intact: boolean
  /** Bytes sent in the probe. */
  bytes: number
  /**
   * True when the reply named the probe's own id (echo, or json with the id
   * field echoed); false when it was matched first in first out, so its
   * position says nothing about ordering. Absent when the client cannot tell.
   */
  matchedById?: boolean
}

/**
 * Where Connection.probeTo() reports each probe, with the caller's token.
 * Called synchronously inside the connection's own event handlers: it must
 * not throw.
 */
export interface ProbeSink {
  /**
   * The probe's reply arrived intact: the same figures as RoundTrip (id is
   * the token's probe; intact is always true).
   */
  probeAnswered(token: number, rttMs: number, bytes: number, matchedById: boolean): void
  /** The probe failed with a HealthError, as probe() would reject (corrupted, timed out, lost, not sent). */
  probeFailed(token: number, error: unknown): void
}

export interface ConnectionStats {
  messagesSent: number
  messagesReceived: number
  /** Replies matched to probes. */
  repliesMatched: number
  /** Messages that matched no probe (banners, broadcasts, late replies); counted and ignored. */
  unsolicited: number
  /** Replies that did not match their probe byte for byte (the probe counts as not answered). */
  corrupted: number
  /** Second replies to probes that were already answered. */
  duplicates: number
  /** Probes of another connection (another nonce) that arrived here: misrouted replies. */
  crossTalk: number
  /** Probes that got no reply in time. */
  timeouts: number
  pingsSent: number
  pongsReceived: number
  /**
   * Pings answered only by a pong whose payload did not echo the ping's
   * (RFC 6455 §5.5.3 says it MUST): counted in pongsReceived for liveness.
   */
  pongMismatches: number
  bytesSent: number
  bytesReceived: number
  errors: number
}

export interface ConnectionOptions {
  /** Defaults to the run's target. */
  url?: string
  subprotocols?: string[]
  headers?: Record<string, string>
  handshakeTimeoutMs?: number
  /** A label shown in reports (e.g. `conn_1`). */
  label?: string
  /**
   * When false, round trips and errors on this connection are not added to
   * the run's metrics (used by probes that provoke errors on purpose).
   */
  record?: boolean
  /**
   * Largest message this connection accepts, bytes (default: the run's cap,
   * max_message_bytes or derived from its probes). For a probe that sends
   * more than the run's probes on purpose and must see its echo.
   */
  maxPayload?: number
  /**
   * Ends any waiting the Connect factory does of its own (the chaos-mode
   * connector's retries while the relay refuses) and drops a handshake still
   * in progress (the socket is terminated, `opened` rejects with the
   * signal's reason), so an aborted run leaves no socket open to a silent
   * service until its handshake timeout.
   */
  signal?: AbortSignal
}

export interface ProbeOptions {
  kind?: PayloadKind
  /** Reply timeout in ms (defaults to thresholds.messageTimeoutMs). */
  timeoutMs?: number
  /** Payload size in bytes for text/binary/large (defaults per kind). */
  bytes?: number
}

export interface Connection {
  readonly label: string
  readonly handshake: HandshakeInfo
  readonly readyState: ReadyState
  /** Every state entered, in order, starting with CONNECTING. */
  readonly states: readonly StateChange[]
  readonly stats: Readonly<ConnectionStats>
  /**
   * The last error the client itself raised after opening (e.g. ws rejecting
   * invalid UTF-8 the service sent), for reasons in checks. Absent when none.
   */
  readonly lastError?: string | undefined
  /** Resolves once, when the connection is CLOSED. */
  readonly closed: Promise<CloseInfo>
  /**
   * Sends one probe through the run's probe protocol and resolves with its
   * round trip, or rejects with a HealthError (WSH_ERR_MESSAGE_TIMEOUT,
   * WSH_ERR_CONNECTION_LOST, WSH_ERR_CORRUPTED_REPLY when the reply differs
   * from what was sent). Rejects with WSH_ERR_PROTOCOL when the
   * protocol cannot carry `kind` (check `canCarry` first).
   */
  probe(options?: ProbeOptions): Promise<RoundTrip>
  /**
   * probe() for a caller that sends thousands of probes a second (the
   * open-loop scheduler): the outcome goes to `sink` with the caller's
   * `token` instead of through a promise, so a probe costs no promise, no
   * reaction closure and no RoundTrip object. Exactly one sink call per
   * probe, synchronously from whatever settles it (the reply, its
   * deadline, the close, or this call itself when the probe cannot be sent).
   */
  probeTo(options: ProbeOptions, sink: ProbeSink, token: number): void
  /**
   * Holds the frames sent from now on in the process until releaseWrites(),
   * which hands them to the kernel in one system call: a burst of probes
   * that fell due together then leaves at once instead of one write (tens
   * of microseconds on loopback) after another. Calls nest, and every hold
   * needs its release: hold and release around one synchronous burst.
   */
  holdWrites(): void
  /** Ends one holdWrites(); the last release writes what was held. */
  releaseWrites(): void
  /** Sends an RFC 6455 ping and resolves with the pong's RTT in ms (rejects WSH_ERR_PONG_TIMEOUT). */
  ping(timeoutMs?: number): Promise<number>
  /** Sends raw data with no expectations (counted as sent). */
  send(data: string | Buffer): Promise<void>
  /**
   * Sends `data` as a text frame without UTF-8 validation, so a probe can
   * send invalid UTF-8 on purpose (message-delivery's protocol-error check).
   * Absent when the client cannot; that check is then skipped with the reason.
   */
  sendTextBytes?(data: Buffer): Promise<void>
  /** Starts a closing handshake and resolves when CLOSED (rejects WSH_ERR_CLOSE_TIMEOUT after timeoutMs, then terminates). */
  close(code?: number, reason?: string, timeoutMs?: number): Promise<CloseInfo>
  /** Drops the TCP connection without a close frame. */
  terminate(): void
  /** Registers a listener for every message (for suites that watch the stream). */
  onMessage(listener: (data: Buffer, isBinary: boolean) => void): void
}

/** Returns `true`, or the reason the protocol cannot carry `kind`. */
export type CanCarry = (kind: PayloadKind) => true | string

/**
 * Opens an instrumented connection; rejects with a HealthError
 * (WSH_ERR_CONNECT, WSH_ERR_HANDSHAKE_REJECTED with the HTTP status,
 * WSH_ERR_HANDSHAKE_TIMEOUT) in bounded time.
 */
export type Connect = (options?: ConnectionOptions) => Promise<Connection>

export interface ConnectFailure {
  code: ErrorCode
  message: string
  /** HTTP status when the upgrade was answered with something other than 101. */
  status?: number
}
