/**
 * Turns what `ws` and the socket layer throw while connecting into
 * HealthErrors with stable codes and actionable messages.
 */
import { randomBytes } from 'node:crypto'
import { fieldForPath } from '../config/fields.js'
import { redactText, redactUrl } from '../config/redact.js'
import { HealthError, type ErrorCode } from '../errors.js'
import type { ConnectFailure } from './types.js'

/** A connect-time HealthError; `status` is the HTTP status when the upgrade was refused. */
export type ConnectError = HealthError & { status?: number }

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'TCP connect timed out',
  EPIPE: 'connection closed while writing',
  ECONNABORTED: 'connection aborted'
}

// The exact text ws uses when its handshakeTimeout fires (lib/websocket.js).
const WS_HANDSHAKE_TIMEOUT = /handshake has timed out/i

/*
 * Every message names the URL through redactUrl: a URL may carry a password
 * or a token, and these messages end up in logs, reports and issues. Callers
 * that already redacted pass the safe form; redacting it again is harmless.
 */

/** The upgrade was answered with HTTP `status` instead of 101. */
/**
 * Response header the chaos relay sets on its 502 when it could not reach the
 * service, carrying the upstream error (lower case, as Node reads headers).
 */
export const UPSTREAM_ERROR_HEADER = 'x-ws-health-upstream-error'

/**
 * The relay runs in this process; a service could send the same header to
 * put words in the report. So the relay signs its header with a token drawn
 * per process, and the client believes only a header that carries it.
 */
const UPSTREAM_ERROR_TOKEN = randomBytes(12).toString('hex')

/** The header's value for `error`, as this process's relay sends it. */
export function upstreamErrorHeaderValue(error: string): string {
  return `${UPSTREAM_ERROR_TOKEN} ${error}`
}

/** The upstream error from a refusal's header, or undefined unless this process's relay sent it. */
export function upstreamErrorFrom(value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string' || !value.startsWith(`${UPSTREAM_ERROR_TOKEN} `)) return undefined
  return value.slice(UPSTREAM_ERROR_TOKEN.length + 1)
}

export function handshakeRejected(
  url: string,
  status: number,
  upstreamError?: string
): ConnectError {
  url = redactUrl(url)
  const error: ConnectError = new HealthError(
    'WSH_ERR_HANDSHAKE_REJECTED',
    upstreamError === undefined
      ? `handshake rejected: HTTP ${status} from ${url} (expected 101 Switching Protocols)`
      : `cannot connect to ${url}: the chaos relay could not reach the service: ${redactText(upstreamError)}`
  )
  error.status = status
  return error
}

/**
 * How a user sets the schema field at `path`, spelled from the field table
 * (src/config/fields.ts) so a hint never names a flag or key that does not
 * exist: e.g. "input duration or flag --duration or config file key test_duration".
 */
export function settingNames(path: string): string {
  const spec = fieldForPath(path.split('.'))
  const names = [
    spec?.input === undefined ? undefined : `input ${spec.input}`,
    spec?.flag === undefined ? undefined : `flag --${spec.flag}`,
    spec?.file?.[0] === undefined ? undefined : `config file key ${spec.file[0]}`
  ].filter((name): name is string => name !== undefined)
  return names.length === 0 ? path : names.join(' or ')
}

/** The handshake did not complete within `timeoutMs` (ms). */
export function handshakeTimedOut(url: string, timeoutMs: number): ConnectError {
  url = redactUrl(url)
  return new HealthError(
    'WSH_ERR_HANDSHAKE_TIMEOUT',
    `handshake with ${url} timed out after ${Math.round(timeoutMs)} ms (raise ${settingNames('handshakeTimeoutMs')} if the service is slow to accept)`
  )
}

/** Classifies an 'error' emitted while CONNECTING. */
export function connectError(url: string, timeoutMs: number, error: unknown): ConnectError {
  if (error instanceof HealthError) return error
  url = redactUrl(url)
  const err = error as NodeJS.ErrnoException
  const message = err instanceof Error ? err.message : String(error)
  if (WS_HANDSHAKE_TIMEOUT.test(message)) return handshakeTimedOut(url, timeoutMs)
  const code = typeof err?.code === 'string' ? err.code : undefined
  if (code !== undefined) {
    const reason = SOCKET_REASONS[code] ?? message
    return new HealthError('WSH_ERR_CONNECT', `cannot connect to ${url}: ${code} (${reason})`, {
      cause: error
    })
  }
  // ws handshake validation failures (bad Sec-WebSocket-Accept, subprotocol
  // the client did not offer, ...): the service answered, but wrongly.
  return new HealthError('WSH_ERR_PROTOCOL', `handshake with ${url} failed: ${message}`, {
    cause: error
  })
}

/** The ConnectFailure shape (code, message, status) of any connect rejection. */
export function toConnectFailure(error: unknown): ConnectFailure {
  if (error instanceof HealthError) {
    const status = (error as ConnectError).status
    return status === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, status }
  }
  const code: ErrorCode = 'WSH_ERR_INTERNAL'
  return { code, message: error instanceof Error ? error.message : String(error) }
}
