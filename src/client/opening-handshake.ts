/**
 * The opening handshake of one connection: creating the ws socket, what the
 * upgrade response says (status, subprotocol, extensions), and settling
 * `opened` exactly once, resolved when OPEN or rejected with the HealthError
 * connect-errors.ts builds for a refused, broken or overlong handshake.
 */
import type WebSocket from 'ws'
import type { IncomingMessage } from 'node:http'
import { HealthError, type ErrorCode } from '../errors.js'
import {
  UPSTREAM_ERROR_HEADER,
  connectError,
  handshakeRejected,
  handshakeTimedOut,
  upstreamErrorFrom
} from './connect-errors.js'
import type { ConnectionLimits, CreateConnectionOptions } from './connection-options.js'
import { OwnedSocket } from './owned-socket.js'
import type { Connection, HandshakeInfo } from './types.js'

/** ws's own handshake timer normally fires first; the backstop waits this much longer. */
const HANDSHAKE_BACKSTOP_SLACK_MS = 50

/** A target ws refused before connecting; `reason` is ws's message with the URL redacted. */
export interface InvalidTarget {
  error: HealthError
  reason: string
}

/** Creates the ws socket, or says why the URL or subprotocol list cannot be used. */
export function createSocket(
  options: CreateConnectionOptions,
  limits: ConnectionLimits,
  safeUrl: string
): OwnedSocket | InvalidTarget {
  try {
    return new OwnedSocket(options.url, options.subprotocols ?? [], {
      handshakeTimeout: limits.handshakeTimeoutMs,
      headers: options.headers,
      maxPayload: limits.maxPayload,
      // ws applies maxPayload to the inflated size, so a deflate bomb stops at the cap.
      perMessageDeflate: options.compression === true
    })
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error)
    // ws quotes the URL in its messages; only the redacted form may appear.
    const message = raw.split(options.url).join(safeUrl)
    // ws throws synchronously only for a URL or subprotocol list it cannot use.
    const field = /subprotocol/i.test(message)
      ? `subprotocols: got ${JSON.stringify(options.subprotocols)}`
      : `url: got "${safeUrl}"`
    return { error: new HealthError('WSH_ERR_CONFIG', `${field}; ${message}`), reason: message }
  }
}

export interface OpeningHooks {
  /** The URL as it may appear in messages. */
  safeUrl: string
  handshakeTimeoutMs: number
  /** Called once if the opening fails, with the code `opened` rejects with. */
  failed(code: ErrorCode): void
}

export interface OpeningHandshake {
  readonly opened: Promise<Connection>
  /** Filled in as the handshake proceeds; the connection exposes this same object. */
  readonly info: HandshakeInfo
  /** `opened` has settled (opened or failed). */
  readonly settled: boolean
  /**
   * Bounds the whole handshake on `socket`, which is dropped if it overruns
   * or when `signal` aborts first (opened then rejects with its reason).
   */
  watch(socket: WebSocket, signal?: AbortSignal): void
  upgraded(response: IncomingMessage): void
  /** The service answered the upgrade with another status. */
  refused(response: IncomingMessage): void
  succeeded(connection: Connection): void
  /** The socket errored or closed before OPEN (ignored once settled). */
  broke(error: unknown): void
  fail(error: HealthError): void
}

export function createOpeningHandshake(hooks: OpeningHooks): OpeningHandshake {
  return new Opening(hooks)
}

class Opening implements OpeningHandshake {
  readonly opened: Promise<Connection>
  readonly info: HandshakeInfo = { status: 0, protocol: '', extensions: '', connectTimeMs: 0 }
  settled = false
  private socket: WebSocket | undefined
  private timer: NodeJS.Timeout | undefined
  private signal: AbortSignal | undefined
  private resolve!: (connection: Connection) => void
  private reject!: (error: Error) => void

  constructor(private readonly hooks: OpeningHooks) {
    this.opened = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  watch(socket: WebSocket, signal?: AbortSignal): void {
    this.socket = socket
    // ws's handshakeTimeout is a socket idle timer; a service that trickles
    // bytes could stretch it. This backstop bounds the whole handshake.
    this.timer = setTimeout(
      onHandshakeDeadline,
      this.hooks.handshakeTimeoutMs + HANDSHAKE_BACKSTOP_SLACK_MS,
      this
    )
    if (signal === undefined) return
    // A cut run must not leave a handshake to a silent service pending (and the process alive).
    this.signal = signal
    if (signal.aborted) this.abandon()
    else signal.addEventListener('abort', this.abandon, { once: true })
  }

  /**
   * The signal aborted before OPEN: drop the socket and reject with its
   * reason, without counting a connect failure (the service did nothing wrong).
   */
  private readonly abandon = (): void => {
    if (this.settled) return
    const reason: unknown = this.signal?.reason
    this.settle()
    this.reject(
      reason instanceof HealthError
        ? reason
        : new HealthError('WSH_ERR_CONNECT', `connect to ${this.hooks.safeUrl} was cancelled`)
    )
    this.socket?.terminate()
  }

  private settle(): void {
    this.settled = true
    clearTimeout(this.timer)
    this.signal?.removeEventListener('abort', this.abandon)
  }

  upgraded(response: IncomingMessage): void {
    const headers = response.headers
    this.info.status = response.statusCode ?? 0
    this.info.protocol = headerText(headers['sec-websocket-protocol'])
    this.info.extensions = headerText(headers['sec-websocket-extensions'])
  }

  refused(response: IncomingMessage): void {
    const status = response.statusCode ?? 0
    this.info.status = status
    response.resume()
    const upstream = upstreamErrorFrom(response.headers[UPSTREAM_ERROR_HEADER])
    this.fail(handshakeRejected(this.hooks.safeUrl, status, upstream))
  }

  succeeded(connection: Connection): void {
    this.settle()
    this.resolve(connection)
  }

  broke(error: unknown): void {
    this.fail(connectError(this.hooks.safeUrl, this.hooks.handshakeTimeoutMs, error))
  }

  fail(error: HealthError): void {
    if (this.settled) return
    this.settle()
    this.hooks.failed(error.code)
    this.reject(error)
  }

  deadline(): void {
    if (this.settled) return
    this.fail(handshakeTimedOut(this.hooks.safeUrl, this.hooks.handshakeTimeoutMs))
    this.socket?.terminate()
  }
}

function onHandshakeDeadline(opening: Opening): void {
  opening.deadline()
}

function headerText(value: string | string[] | undefined): string {
  if (value === undefined) return ''
  return Array.isArray(value) ? value.join(', ') : value
}
