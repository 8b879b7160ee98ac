/**
 * Every error ws-health raises carries a stable code (listed in docs/error-codes.md),
 * so tests and users can match on the code instead of the text.
 */
export const ERROR_CODES = {
  /** Bad usage or configuration: exit code 2. */
  WSH_ERR_CONFIG: 'bad usage or configuration',
  /** The URL could not be reached at the TCP level (refused, DNS, reset). */
  WSH_ERR_CONNECT: 'connection failed',
  /** The server answered the upgrade with something other than 101. */
  WSH_ERR_HANDSHAKE_REJECTED: 'handshake rejected',
  /** No handshake completed within the handshake timeout. */
  WSH_ERR_HANDSHAKE_TIMEOUT: 'handshake timed out',
  /** A probe message got no reply within the message timeout. */
  WSH_ERR_MESSAGE_TIMEOUT: 'message timed out',
  /** An RFC 6455 ping got no pong within the pong timeout. */
  WSH_ERR_PONG_TIMEOUT: 'pong timed out',
  /**
   * An open-loop probe fell due while max_in_flight probes were outstanding:
   * it was not sent and counts as failed (the service fell that far behind).
   */
  WSH_ERR_PROBE_BACKLOG: 'probe backlog full',
  /** The connection closed or dropped while something was pending. */
  WSH_ERR_CONNECTION_LOST: 'connection lost',
  /** The service sent something that violates the protocol or the probe's expectations. */
  WSH_ERR_PROTOCOL: 'protocol error',
  /** A reply did not match its probe byte for byte: the probe counts as not answered. */
  WSH_ERR_CORRUPTED_REPLY: 'reply corrupted',
  /** A reply to one connection's probe arrived on another connection (a routing bug). */
  WSH_ERR_CROSS_TALK: 'reply delivered to the wrong connection',
  /** A probe that was already answered was answered again. */
  WSH_ERR_DUPLICATE_REPLY: 'duplicated reply',
  /**
   * A message from the service passed max_message_bytes (after inflation
   * when compression is on), or the bytes buffered across the run's
   * connections passed their budget: the connection was closed.
   */
  WSH_ERR_MESSAGE_TOO_BIG: 'message too big',
  /** A closing handshake did not complete within its timeout. */
  WSH_ERR_CLOSE_TIMEOUT: 'close timed out',
  /** A suite or the run hit its deadline and was cut short. */
  WSH_ERR_DEADLINE: 'deadline exceeded',
  /**
   * SIGINT or SIGTERM cancelled the run: checks it cut short are not-run,
   * never blamed on the service (the report's status is `cancelled`).
   */
  WSH_ERR_CANCELLED: 'run cancelled by a signal',
  /** Reconnection gave up after the configured number of attempts. */
  WSH_ERR_RECONNECT_EXHAUSTED: 'reconnection attempts exceeded',
  /** The circuit breaker is open: calls are refused without touching the service. */
  WSH_ERR_CIRCUIT_OPEN: 'circuit open',
  /** The service stopped accepting connections during the run (crashed, killed, or taken down by a probe). */
  WSH_ERR_SERVICE_DOWN: 'service went down',
  /** The service under test (server_command) did not start or become ready. */
  WSH_ERR_SERVER_START: 'service did not start',
  /** Discovery found no WebSocket endpoint. */
  WSH_ERR_DISCOVERY: 'no endpoint discovered',
  /** A GitHub API call failed (never changes the verdict). */
  WSH_ERR_GITHUB: 'GitHub API error',
  /** A report or history file could not be read, written or merged. */
  WSH_ERR_REPORT: 'report error',
  /** Anything unexpected inside ws-health itself. */
  WSH_ERR_INTERNAL: 'internal error'
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export class HealthError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'HealthError'
    this.code = code
  }
}

export function isHealthError(error: unknown): error is HealthError {
  return error instanceof HealthError
}

/** A one-line description of any thrown value, for reports and logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
