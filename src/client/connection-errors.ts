/**
 * The errors an open connection fails its calls with (connect-errors.ts has
 * those of the opening). Each names the connection and its redacted URL; a
 * timeout also gives the limit in whole ms and the input that sets it.
 */
import { HealthError, type ErrorCode } from '../errors.js'
import type { ReadyState } from './types.js'

/** Which connection an error is about. */
export interface ConnectionName {
  label: string
  /** The URL as it may appear in messages: credentials and token-like parameters replaced. */
  safeUrl: string
}

export function probeTimedOut(where: ConnectionName, id: number, limitMs: number): HealthError {
  return new HealthError(
    'WSH_ERR_MESSAGE_TIMEOUT',
    `probe ${id} on ${where.label} got no reply from ${where.safeUrl} within ${Math.round(limitMs)} ms (message-timeout-ms)`
  )
}

export function pongTimedOut(where: ConnectionName, id: number, limitMs: number): HealthError {
  return new HealthError(
    'WSH_ERR_PONG_TIMEOUT',
    `ping ${id} on ${where.label} got no pong from ${where.safeUrl} within ${Math.round(limitMs)} ms (pong-timeout-ms)`
  )
}

/** The reply to probe `id` did not match it byte for byte (`bytes`: the reply's size). */
export function corruptedReply(where: ConnectionName, id: number, bytes: number): HealthError {
  return new HealthError(
    'WSH_ERR_CORRUPTED_REPLY',
    `probe ${id} on ${where.label}: the ${bytes}-byte reply from ${where.safeUrl} differs from what was sent (corrupted)`
  )
}

/** `what` (probe, ping, send) was called in a state other than OPEN. */
export function notOpen(where: ConnectionName, what: string, state: ReadyState): HealthError {
  return new HealthError(
    'WSH_ERR_CONNECTION_LOST',
    `cannot ${what} on ${where.label}: connection to ${where.safeUrl} is ${state}`
  )
}

/**
 * The tail of the message a probe or ping left unanswered by a close rejects
 * with. `cause` is the socket error that ended the connection, if any: ws
 * fails the connection on a frame the service got wrong (invalid opcode, RSV
 * bits, a masked frame, a bad close code...), and that, not "code 1006", is
 * the reason.
 */
export function closedDetail(
  where: ConnectionName,
  code: number,
  reason: string,
  cause?: Error
): string {
  const closed = `connection ${where.label} to ${where.safeUrl} closed (code ${code}${reason ? `: ${reason}` : ''})`
  if (cause === undefined) return closed
  const wsCode = (cause as NodeJS.ErrnoException).code
  const named = typeof wsCode === 'string' ? ` (${wsCode})` : ''
  return socketErrorCode(cause) === 'WSH_ERR_PROTOCOL'
    ? `${closed} after the service broke the protocol: ${cause.message}${named}`
    : `${closed} after a socket error: ${cause.message}${named}`
}

/** The code a socket error on an open connection counts as: ws's own WS_ERR_* are protocol violations. */
export function socketErrorCode(error: Error): ErrorCode {
  const code = (error as NodeJS.ErrnoException).code
  return typeof code === 'string' && code.startsWith('WS_ERR_')
    ? 'WSH_ERR_PROTOCOL'
    : 'WSH_ERR_CONNECTION_LOST'
}
