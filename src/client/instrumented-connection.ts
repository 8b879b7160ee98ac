/**
 * The instrumented connection over `ws`: connect time, handshake details,
 * state log, probe round trips by correlation id, RFC 6455 ping RTT and
 * close codes, reported into the run's recorder. Listeners are attached
 * once per connection and state lives in fields, so the message handler
 * allocates nothing beyond the reply it resolves (STYLE.md §5).
 *
 * Its parts live beside it: option defaults and checks in
 * connection-options.ts, counters in connection-meter.ts, the opening
 * handshake in opening-handshake.ts, probe matching and deadlines in
 * pending-probes.ts, pings in ping-tracker.ts and the closing handshake in
 * close-handshake.ts.
 */
import WebSocket from 'ws'
import type { ClientRequest, IncomingMessage } from 'node:http'
import { redactUrl } from '../config/redact.js'
import { HealthError } from '../errors.js'
import type { Clock } from '../metrics/clock.js'
import { BufferAccount } from './buffer-budget.js'
import { awaitClose, describeClose } from './close-handshake.js'
import {
  closedDetail,
  corruptedReply,
  notOpen,
  pongTimedOut,
  probeTimedOut,
  socketErrorCode,
  type ConnectionName
} from './connection-errors.js'
import { createConnectionMeter, type ConnectionMeter } from './connection-meter.js'
import {
  positive,
  resolveLimits,
  type ConnectionLimits,
  type CreateConnectionOptions
} from './connection-options.js'
import { createOpeningHandshake, createSocket, type OpeningHandshake } from './opening-handshake.js'
import { SETTLED, createPendingProbes, type PendingProbes } from './pending-probes.js'
import {
  bufferBudgetExceeded,
  isMessageTooBig,
  messageTooBig,
  RELAY_TOO_BIG_REASON
} from './message-cap.js'
import { createPingTracker, type PingTracker } from './ping-tracker.js'
import type { EncodedProbe, ProbeProtocol } from './protocol.js'
import type {
  CloseInfo,
  Connection,
  ConnectionStats,
  HandshakeInfo,
  ProbeOptions,
  ReadyState,
  RoundTrip,
  StateChange
} from './types.js'

export type { CreateConnectionOptions } from './connection-options.js'

const SEND_TEXT = { binary: false } as const
/** Shared default for probe(): no object per call. */
const NO_PROBE_OPTIONS: ProbeOptions = Object.freeze({})
const SEND_BINARY = { binary: true } as const

/**
 * Opens an instrumented connection. Resolves when OPEN; rejects with a
 * HealthError (WSH_ERR_CONNECT, WSH_ERR_HANDSHAKE_REJECTED with `status`,
 * WSH_ERR_HANDSHAKE_TIMEOUT after `handshakeTimeoutMs`, WSH_ERR_CONFIG for a
 * malformed URL). Throws RangeError for a bad timeout option.
 */
export function createConnection(options: CreateConnectionOptions): Promise<Connection> {
  const connection = new InstrumentedConnection(options)
  return connection.opened
}

class InstrumentedConnection implements Connection {
  readonly label: string
  readonly states: StateChange[] = []
  readonly stats: ConnectionStats
  readonly handshake: HandshakeInfo
  readyState: ReadyState = 'CONNECTING'
  /** The last error the socket reported after opening (for reasons in checks). */
  lastError: string | undefined
  /** The socket error behind lastError: it names why the connection ended. */
  private lastSocketError: Error | undefined
  readonly opened: Promise<Connection>
  readonly closed: Promise<CloseInfo>

  private readonly ws: WebSocket
  /** Label and redacted URL, as every error message names them. */
  private readonly name: ConnectionName
  private readonly clock: Clock
  private readonly protocol: ProbeProtocol
  private readonly meter: ConnectionMeter
  private readonly limits: ConnectionLimits
  private readonly startMs: number
  private readonly opening: OpeningHandshake
  private readonly probes: PendingProbes
  private readonly pings: PingTracker
  private readonly listeners: ((data: Buffer, isBinary: boolean) => void)[] = []
  private wasOpen = false
  /** Set when the client itself cut the connection (message over the cap, budget passed). */
  private fatal: HealthError | undefined
  private readonly account: BufferAccount | undefined
  /** The upgraded TCP socket, whose chunks the buffer budget counts. */
  private tcp: IncomingMessage['socket'] | undefined
  private closeInitiator: CloseInfo['initiatedBy'] | undefined
  /** The service's FIN arrived: it ended the TCP connection itself. */
  private serverEndedTcp = false
  private resolveClosed!: (info: CloseInfo) => void

  constructor(options: CreateConnectionOptions) {
    this.label = options.label ?? 'conn'
    this.name = { label: this.label, safeUrl: redactUrl(options.url) }
    this.clock = options.clock
    this.protocol = options.protocol
    this.meter = createConnectionMeter(
      options.record === false ? undefined : options.recorder,
      options.recorder
    )
    this.stats = this.meter.stats
    const limits = resolveLimits(options)
    this.limits = limits
    this.account = options.bufferBudget ? new BufferAccount(options.bufferBudget) : undefined
    this.opening = createOpeningHandshake({
      safeUrl: this.name.safeUrl,
      handshakeTimeoutMs: limits.handshakeTimeoutMs,
      failed: (code) => this.meter.connectFailed(code)
    })
    this.opened = this.opening.opened
    this.handshake = this.opening.info
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve
    })
    this.probes = createPendingProbes({
      clock: this.clock,
      protocol: this.protocol,
      timedOut: (id, limit) => {
        this.meter.probeTimedOut()
        return probeTimedOut(this.name, id, limit)
      },
      answered: (rttMs, intact, bytes) => this.meter.roundTrip(rttMs, intact, bytes),
      corrupted: (id, bytes) => corruptedReply(this.name, id, bytes)
    })
    this.pings = createPingTracker({
      clock: this.clock,
      timedOut: (id, limit) => {
        this.meter.failure('WSH_ERR_PONG_TIMEOUT')
        return pongTimedOut(this.name, id, limit)
      },
      answered: (rttMs) => this.meter.pong(rttMs),
      mismatched: () => this.meter.pongMismatch()
    })
    this.startMs = this.clock.nowMs()
    this.states.push({ state: 'CONNECTING', atMs: this.startMs })
    const ws = createSocket(options, limits, this.name.safeUrl)
    if (!(ws instanceof WebSocket)) {
      this.ws = undefined as unknown as WebSocket
      this.opening.fail(ws.error)
      this.readyState = 'CLOSED'
      this.resolveClosed(describeClose(1006, ws.reason, 'client', false))
      return
    }
    this.ws = ws
    ws.on('upgrade', this.onUpgrade)
    ws.on('unexpected-response', this.onUnexpectedResponse)
    ws.on('open', this.onOpen)
    ws.on('error', this.onError)
    ws.on('close', this.onClose)
    ws.on('message', this.onWsMessage)
    ws.on('pong', this.onPong)
    if (this.account) ws.on('ping', this.onPing)
    this.opening.watch(ws, options.signal)
  }

  probe(options: ProbeOptions = NO_PROBE_OPTIONS): Promise<RoundTrip> {
    const kind = options.kind ?? 'text'
    const carry = this.protocol.canCarry(kind)
    if (carry !== true) return Promise.reject(new HealthError('WSH_ERR_PROTOCOL', carry))
    if (this.readyState !== 'OPEN') return Promise.reject(this.notOpen('probe'))
    const timeoutMs = positive('timeoutMs', options.timeoutMs, this.limits.messageTimeoutMs)
    const id = this.probes.nextId()
    let sent: EncodedProbe
    try {
      sent = this.protocol.encode(id, kind, options.bytes, this.probes.nonce)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.probes.start(id, sent, timeoutMs, this.sendProbe)
  }

  ping(timeoutMs?: number): Promise<number> {
    if (this.readyState !== 'OPEN') return Promise.reject(this.notOpen('ping'))
    const limit = positive('timeoutMs', timeoutMs, this.limits.pongTimeoutMs)
    this.meter.pingSent()
    return this.pings.start(limit, this.sendPing)
  }

  send(data: string | Buffer): Promise<void> {
    if (this.readyState !== 'OPEN') return Promise.reject(this.notOpen('send'))
    this.meter.sent(typeof data === 'string' ? Buffer.byteLength(data) : data.length)
    return new Promise((resolve, reject) => {
      this.ws.send(data, (error) => (error ? reject(this.lost(error.message)) : resolve()))
    })
  }

  sendTextBytes(data: Buffer): Promise<void> {
    if (this.readyState !== 'OPEN') return Promise.reject(this.notOpen('send'))
    this.meter.sent(data.length)
    // ws validates UTF-8 only on receipt, so these bytes go out as a text frame unchanged.
    return new Promise((resolve, reject) => {
      this.ws.send(data, SEND_TEXT, (error) =>
        error ? reject(this.lost(error.message)) : resolve()
      )
    })
  }

  close(code = 1000, reason = '', timeoutMs?: number): Promise<CloseInfo> {
    if (this.readyState === 'CLOSED') return this.closed
    const limit = positive('timeoutMs', timeoutMs, this.limits.closeTimeoutMs)
    const wasOpen = this.readyState === 'OPEN'
    try {
      // ws throws (before sending anything) for a code or reason it will not put on the wire.
      this.ws.close(code, reason)
    } catch (error) {
      return Promise.reject(error)
    }
    this.closeInitiator ??= 'client'
    if (wasOpen && this.readyState === 'OPEN') this.enter('CLOSING')
    return awaitClose(this.ws, this.closed, limit, this.name.safeUrl)
  }

  terminate(): void {
    if (this.readyState === 'CLOSED') return
    this.closeInitiator ??= 'client'
    this.ws.terminate()
  }

  onMessage(listener: (data: Buffer, isBinary: boolean) => void): void {
    this.listeners.push(listener)
  }

  // ------------------------------------------------------------ ws events

  private readonly onUpgrade = (response: IncomingMessage): void => {
    // The upgraded socket is the one ws keeps; its 'end' is the service's FIN.
    response.socket.once('end', this.onTcpEnd)
    this.tcp = response.socket
    this.opening.upgraded(response)
  }

  private readonly onUnexpectedResponse = (
    _req: ClientRequest,
    response: IncomingMessage
  ): void => {
    this.opening.refused(response)
    this.ws.terminate()
  }

  private readonly onOpen = (): void => {
    const now = this.clock.nowMs()
    this.handshake.connectTimeMs = now - this.startMs
    // ws validated the negotiated subprotocol; prefer its view of the result.
    this.handshake.protocol = this.ws.protocol
    this.enter('OPEN', now)
    this.wasOpen = true
    this.meter.opened(this.handshake.connectTimeMs)
    // Attached only now: a 'data' listener added before ws's own would make the socket flow
    // and hand ws's first bytes (those read with the upgrade) to this listener alone.
    if (this.account) this.tcp?.on('data', this.onSocketData)
    this.opening.succeeded(this)
  }

  private readonly onError = (error: Error): void => {
    if (!this.opening.settled) {
      this.opening.broke(error)
      return
    }
    // Echoes of a failed opening (e.g. terminate after a rejected upgrade) are not new errors.
    if (!this.wasOpen) return
    if (isMessageTooBig(error)) {
      this.cut(messageTooBig(this.label, this.name.safeUrl, this.limits.maxPayload))
      return
    }
    this.lastError = error.message
    this.lastSocketError = error
    this.meter.failure(socketErrorCode(error))
  }

  /**
   * Fails the connection for a reason of the client's own and drops it at
   * once: ws would otherwise wait up to 30 s for the service's close frame,
   * and a hostile service never sends one.
   */
  private cut(error: HealthError): void {
    if (this.fatal) return
    this.fatal = error
    this.lastError = error.message
    this.meter.failure(error.code)
    this.ws.terminate()
  }

  private readonly onClose = (code: number, reasonBuffer: Buffer): void => {
    const wasOpen = this.wasOpen
    const reason = reasonBuffer.toString('utf8')
    if (code === 1009 && reason === RELAY_TOO_BIG_REASON && !this.fatal) {
      this.fatal = messageTooBig(
        this.label,
        `${this.name.safeUrl} (through the chaos relay)`,
        this.limits.maxPayload
      )
      this.lastError = this.fatal.message
      this.meter.failure(this.fatal.code)
    }
    if (!this.opening.settled) {
      this.opening.broke(new Error('connection closed before the handshake completed'))
    }
    this.enter('CLOSED')
    if (wasOpen) this.meter.closed()
    this.account?.release()
    const cause = this.lastSocketError
    const detail = closedDetail(this.name, code, reason, cause)
    const fatal = this.fatal
    // A protocol violation by the service is its fault, not a lost connection (never resent under chaos).
    const ended = (message: string): HealthError =>
      fatal ??
      (cause !== undefined && socketErrorCode(cause) === 'WSH_ERR_PROTOCOL'
        ? new HealthError('WSH_ERR_PROTOCOL', message)
        : this.lost(message))
    this.probes.rejectAll((id) => {
      this.meter.probeLost()
      return ended(`probe ${id} got no reply: ${detail}`)
    })
    this.pings.rejectAll((id) => ended(`ping ${id} got no pong: ${detail}`))
    this.resolveClosed(describeClose(code, reason, this.closeInitiator, this.serverEndedTcp))
  }

  private readonly onWsMessage = (data: Buffer, isBinary: boolean): void => {
    this.account?.release()
    this.meter.received(data.length)
    const listeners = this.listeners
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i](data, isBinary)
      } catch {
        // A suite's listener must not break measurement of the stream.
      }
    }
    switch (this.probes.settle(data, isBinary)) {
      case SETTLED.answered:
        return
      case SETTLED.duplicate:
        return this.meter.duplicate(data.length)
      case SETTLED.crossTalk:
        return this.meter.crossTalk(data.length)
      case SETTLED.unsolicited:
        return this.meter.unsolicited(data.length)
    }
  }

  private readonly onTcpEnd = (): void => {
    this.serverEndedTcp = true
  }

  private readonly onSocketData = (chunk: Buffer): void => {
    if (this.account!.received(chunk.length) || this.fatal) return
    this.cut(bufferBudgetExceeded(this.label, this.name.safeUrl, this.account!.limitBytes))
  }

  private readonly onPing = (): void => {
    this.account!.release()
  }

  private readonly onPong = (payload: Buffer): void => {
    this.account?.release()
    this.pings.settle(payload)
  }

  private readonly sendPing = (payload: Buffer): void => {
    this.ws.ping(payload)
  }

  private readonly sendProbe = (sent: EncodedProbe): void => {
    this.meter.probeSent(sent.data.length)
    this.ws.send(sent.data, sent.binary ? SEND_BINARY : SEND_TEXT)
  }

  // ------------------------------------------------------------ internals

  private lost(message: string): HealthError {
    this.meter.failure('WSH_ERR_CONNECTION_LOST')
    return new HealthError('WSH_ERR_CONNECTION_LOST', message)
  }

  private notOpen(what: string): HealthError {
    // A connection the client cut keeps its reason: later calls say why it is closed.
    return this.fatal ?? notOpen(this.name, what, this.readyState)
  }

  private enter(state: ReadyState, atMs = this.clock.nowMs()): void {
    this.readyState = state
    this.states.push({ state, atMs })
  }
}
