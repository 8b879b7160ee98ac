/**
 * The instrumented connection over `ws`: connect time, handshake details,
 * state log, probe round trips by correlation id, RFC 6455 ping RTT and
 * close codes, reported into the run's recorder. State lives in fields,
 * so the message handler allocates nothing beyond the reply it resolves
 * (STYLE.md §5).
 *
 * A run may hold thousands of idle connections (benchmark (c) counts the
 * heap each costs), so a connection retains little: its socket hands it ws
 * events through emit() with no listener per connection (owned-socket.ts),
 * its parts call back through its methods rather than closures, probe and
 * ping state is created on first use, the opening handshake is dropped
 * once open and `closed` is created when first asked for.
 *
 * Its parts live beside it: option defaults and checks in
 * connection-options.ts, counters in connection-meter.ts, the opening
 * handshake in opening-handshake.ts, probe matching and deadlines in
 * pending-probes.ts, pings in ping-tracker.ts, the closing handshake in
 * close-handshake.ts and the ws event dispatch in owned-socket.ts.
 */
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import { redactUrl } from '../config/redact.js'
import { HealthError } from '../errors.js'
import type { Clock } from '../metrics/clock.js'
import { BufferAccount } from './buffer-budget.js'
import { awaitClose, describeClose } from './close-handshake.js'
import {
  closedDetail,
  corruptedReply,
  notOpen,
  pongTimedOut as pongTimeoutError,
  probeTimedOut as probeTimeoutError,
  socketErrorCode
} from './connection-errors.js'
import { createConnectionMeter, type ConnectionMeter } from './connection-meter.js'
import { positive, resolveLimits, type CreateConnectionOptions } from './connection-options.js'
import { createOpeningHandshake, createSocket, type OpeningHandshake } from './opening-handshake.js'
import { OwnedSocket, watchTcpData, type SocketOwner } from './owned-socket.js'
import {
  SETTLED,
  createPendingProbes,
  newProbeNonce,
  settleUnprobed,
  type PendingProbes,
  type ProbesOwner
} from './pending-probes.js'
import {
  bufferBudgetExceeded,
  isMessageTooBig,
  messageTooBig,
  RELAY_TOO_BIG_REASON
} from './message-cap.js'
import { createPingTracker, type PingTracker, type PingsOwner } from './ping-tracker.js'
import type { EncodedProbe, ProbeProtocol } from './protocol.js'
import type {
  CloseInfo,
  Connection,
  ConnectionStats,
  HandshakeInfo,
  ProbeOptions,
  ProbeSink,
  ReadyState,
  RoundTrip,
  StateChange
} from './types.js'

export type { CreateConnectionOptions } from './connection-options.js'

const SEND_TEXT = { binary: false } as const
/** Shared default for probe(): no object per call. */
const NO_PROBE_OPTIONS: ProbeOptions = Object.freeze({})
const SEND_BINARY = { binary: true } as const

type MessageListener = (data: Buffer, isBinary: boolean) => void

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

/**
 * The connection is the owner its parts call back (SocketOwner, ProbesOwner,
 * PingsOwner): those methods are public on the class but not on Connection,
 * the only type callers see.
 */
class InstrumentedConnection implements Connection, SocketOwner, ProbesOwner, PingsOwner {
  readonly label: string
  /** The URL as it may appear in messages; with `label`, the ConnectionName errors cite. */
  readonly safeUrl: string
  readonly states: StateChange[]
  readonly handshake: HandshakeInfo
  readyState: ReadyState = 'CONNECTING'
  /** The last error the socket reported after opening (for reasons in checks). */
  lastError: string | undefined
  /** The socket error behind lastError: it names why the connection ended. */
  private lastSocketError: Error | undefined

  private readonly ws: OwnedSocket
  private readonly clock: Clock
  private readonly protocol: ProbeProtocol
  private readonly meter: ConnectionMeter
  private readonly messageTimeoutMs: number
  private readonly pongTimeoutMs: number
  private readonly closeTimeoutMs: number
  private readonly maxPayload: number
  /** Until the connection opens: then dropped, with the handshake's timer, promise and settlers. */
  private opening: OpeningHandshake | undefined
  /** Carried by this connection's probes, so a reply that reaches another connection is told. */
  private readonly nonce: number
  private probes: PendingProbes | undefined
  private pings: PingTracker | undefined
  private listeners: MessageListener[] | undefined
  private wasOpen = false
  /** Set when the client itself cut the connection (message over the cap, budget passed). */
  private fatal: HealthError | undefined
  private readonly account: BufferAccount | undefined
  /** The upgraded TCP socket: its chunks count against the buffer budget, its FIN is the service's. */
  private tcp: Socket | undefined
  private closeInitiator: CloseInfo['initiatedBy'] | undefined
  private closeInfo: CloseInfo | undefined
  private closedPromise: Promise<CloseInfo> | undefined
  private resolveClosed: ((info: CloseInfo) => void) | undefined

  constructor(options: CreateConnectionOptions) {
    this.label = options.label ?? 'conn'
    this.safeUrl = redactUrl(options.url)
    this.clock = options.clock
    this.protocol = options.protocol
    this.nonce = newProbeNonce()
    this.meter = createConnectionMeter(
      options.record === false ? undefined : options.recorder,
      options.recorder
    )
    const limits = resolveLimits(options)
    this.messageTimeoutMs = limits.messageTimeoutMs
    this.pongTimeoutMs = limits.pongTimeoutMs
    this.closeTimeoutMs = limits.closeTimeoutMs
    this.maxPayload = limits.maxPayload
    this.account = options.bufferBudget ? new BufferAccount(options.bufferBudget) : undefined
    const meter = this.meter
    const opening = createOpeningHandshake({
      safeUrl: this.safeUrl,
      handshakeTimeoutMs: limits.handshakeTimeoutMs,
      failed: (code) => meter.connectFailed(code)
    })
    this.opening = opening
    this.handshake = opening.info
    this.states = [{ state: 'CONNECTING', atMs: this.clock.nowMs() }]
    const ws = createSocket(options, limits, this.safeUrl)
    if (!(ws instanceof OwnedSocket)) {
      this.ws = undefined as unknown as OwnedSocket
      opening.fail(ws.error)
      this.readyState = 'CLOSED'
      this.settleClosed(describeClose(1006, ws.reason, 'client', false))
      return
    }
    this.ws = ws
    ws.owner = this
    opening.watch(ws, options.signal)
  }

  /** What createConnection returns: read once, right after construction. */
  get opened(): Promise<Connection> {
    return this.opening!.opened
  }

  get stats(): ConnectionStats {
    return this.meter.stats
  }

  /** Created when first asked for: most connections are only ever terminated. */
  get closed(): Promise<CloseInfo> {
    this.closedPromise ??=
      this.closeInfo !== undefined
        ? Promise.resolve(this.closeInfo)
        : new Promise((resolve) => {
            this.resolveClosed = resolve
          })
    return this.closedPromise
  }

  probe(options: ProbeOptions = NO_PROBE_OPTIONS): Promise<RoundTrip> {
    const refusal = this.probeRefusal(options)
    if (refusal !== undefined) return Promise.reject(refusal)
    const timeoutMs = this.probeTimeoutMs(options)
    const probes = this.probeSet()
    const id = probes.nextId()
    const sent = this.encodeProbe(id, options)
    if (sent instanceof Error) return Promise.reject(sent)
    return probes.start(id, sent, timeoutMs)
  }

  probeTo(options: ProbeOptions, sink: ProbeSink, token: number): void {
    const refusal = this.probeRefusal(options)
    if (refusal !== undefined) return sink.probeFailed(token, refusal)
    const timeoutMs = this.probeTimeoutMs(options)
    const probes = this.probeSet()
    const id = probes.nextId()
    const sent = this.encodeProbe(id, options)
    if (sent instanceof Error) return sink.probeFailed(token, sent)
    probes.startTo(id, sent, timeoutMs, sink, token)
  }

  holdWrites(): void {
    this.tcp?.cork()
  }

  releaseWrites(): void {
    this.tcp?.uncork()
  }

  ping(timeoutMs?: number): Promise<number> {
    if (this.readyState !== 'OPEN') return Promise.reject(this.notOpen('ping'))
    const limit = positive('timeoutMs', timeoutMs, this.pongTimeoutMs)
    this.meter.pingSent()
    return (this.pings ??= createPingTracker(this.clock, this)).start(limit)
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
    const limit = positive('timeoutMs', timeoutMs, this.closeTimeoutMs)
    const wasOpen = this.readyState === 'OPEN'
    try {
      // ws throws (before sending anything) for a code or reason it will not put on the wire.
      this.ws.close(code, reason)
    } catch (error) {
      return Promise.reject(error)
    }
    this.closeInitiator ??= 'client'
    if (wasOpen && this.readyState === 'OPEN') this.enter('CLOSING')
    return awaitClose(this.ws, this.closed, limit, this.safeUrl)
  }

  terminate(): void {
    if (this.readyState === 'CLOSED') return
    this.closeInitiator ??= 'client'
    this.ws.terminate()
  }

  onMessage(listener: MessageListener): void {
    ;(this.listeners ??= []).push(listener)
  }

  // ------------------------------------------------------------ ws events (SocketOwner)

  socketUpgraded(response: IncomingMessage): void {
    // The upgraded socket is the one ws keeps; its 'end' is the service's FIN.
    this.tcp = response.socket
    this.opening?.upgraded(response)
  }

  socketRefused(response: IncomingMessage): void {
    this.opening?.refused(response)
    this.ws.terminate()
  }

  socketOpened(): void {
    const now = this.clock.nowMs()
    this.handshake.connectTimeMs = now - this.states[0].atMs
    // ws validated the negotiated subprotocol; prefer its view of the result.
    this.handshake.protocol = this.ws.protocol
    this.enter('OPEN', now)
    this.wasOpen = true
    this.meter.opened(this.handshake.connectTimeMs)
    if (this.account !== undefined && this.tcp !== undefined) watchTcpData(this.tcp, this)
    const opening = this.opening
    this.opening = undefined
    opening?.succeeded(this)
  }

  socketErrored(error: Error): void {
    if (this.opening !== undefined && !this.opening.settled) {
      this.opening.broke(error)
      return
    }
    // Echoes of a failed opening (e.g. terminate after a rejected upgrade) are not new errors.
    if (!this.wasOpen) return
    if (isMessageTooBig(error)) {
      this.cut(messageTooBig(this.label, this.safeUrl, this.maxPayload))
      return
    }
    this.lastError = error.message
    this.lastSocketError = error
    this.meter.failure(socketErrorCode(error))
  }

  socketClosed(code: number, reasonBuffer: Buffer): void {
    const wasOpen = this.wasOpen
    const reason = reasonBuffer.toString('utf8')
    if (code === 1009 && reason === RELAY_TOO_BIG_REASON && !this.fatal) {
      this.fatal = messageTooBig(
        this.label,
        `${this.safeUrl} (through the chaos relay)`,
        this.maxPayload
      )
      this.lastError = this.fatal.message
      this.meter.failure(this.fatal.code)
    }
    if (this.opening !== undefined && !this.opening.settled) {
      this.opening.broke(new Error('connection closed before the handshake completed'))
    }
    this.enter('CLOSED')
    if (wasOpen) this.meter.closed()
    this.account?.release()
    const cause = this.lastSocketError
    const detail = closedDetail(this, code, reason, cause)
    const fatal = this.fatal
    // A protocol violation by the service is its fault, not a lost connection (never resent under chaos).
    const ended = (message: string): HealthError =>
      fatal ??
      (cause !== undefined && socketErrorCode(cause) === 'WSH_ERR_PROTOCOL'
        ? new HealthError('WSH_ERR_PROTOCOL', message)
        : this.lost(message))
    this.probes?.rejectAll((id) => {
      this.meter.probeLost()
      return ended(`probe ${id} got no reply: ${detail}`)
    })
    this.pings?.rejectAll((id) => ended(`ping ${id} got no pong: ${detail}`))
    // 'end' was emitted (the service's FIN arrived) before ws reported the close.
    const serverEndedTcp = this.tcp?.readableEnded === true
    this.settleClosed(describeClose(code, reason, this.closeInitiator, serverEndedTcp))
  }

  socketMessage(data: Buffer, isBinary: boolean): void {
    this.account?.release()
    this.meter.received(data.length)
    const listeners = this.listeners
    if (listeners !== undefined) {
      for (let i = 0; i < listeners.length; i++) {
        try {
          listeners[i](data, isBinary)
        } catch {
          // A suite's listener must not break measurement of the stream.
        }
      }
    }
    const probes = this.probes
    const settled =
      probes === undefined
        ? settleUnprobed(this.protocol, this.nonce, data, isBinary)
        : probes.settle(data, isBinary)
    switch (settled) {
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

  tcpData(chunk: Buffer): void {
    if (this.account!.received(chunk.length) || this.fatal) return
    this.cut(bufferBudgetExceeded(this.label, this.safeUrl, this.account!.limitBytes))
  }

  socketPing(): void {
    this.account?.release()
  }

  socketPong(payload: Buffer): void {
    this.account?.release()
    // No tracker means no ping was ever sent: the pong answers nothing.
    this.pings?.settle(payload)
  }

  // ------------------------------------------------------------ probes and pings (owners)

  sendProbe(sent: EncodedProbe): void {
    this.meter.probeSent(sent.data.length)
    this.ws.send(sent.data, sent.binary ? SEND_BINARY : SEND_TEXT)
  }

  probeTimedOut(id: number, timeoutMs: number): Error {
    this.meter.probeTimedOut()
    return probeTimeoutError(this, id, timeoutMs)
  }

  probeAnswered(rttMs: number, intact: boolean, bytes: number): void {
    this.meter.roundTrip(rttMs, intact, bytes)
  }

  probeCorrupted(id: number, bytes: number): Error {
    return corruptedReply(this, id, bytes)
  }

  sendPing(payload: Buffer): void {
    this.ws.ping(payload)
  }

  pongTimedOut(id: number, timeoutMs: number): Error {
    this.meter.failure('WSH_ERR_PONG_TIMEOUT')
    return pongTimeoutError(this, id, timeoutMs)
  }

  pongAnswered(rttMs: number): void {
    this.meter.pong(rttMs)
  }

  pongMismatched(): void {
    this.meter.pongMismatch()
  }

  // ------------------------------------------------------------ internals

  private probeSet(): PendingProbes {
    return (this.probes ??= createPendingProbes(
      { clock: this.clock, protocol: this.protocol, nonce: this.nonce },
      this
    ))
  }

  /** Why a probe of these options cannot be sent now (protocol, state), or undefined. */
  private probeRefusal(options: ProbeOptions): HealthError | undefined {
    const carry = this.protocol.canCarry(options.kind ?? 'text')
    if (carry !== true) return new HealthError('WSH_ERR_PROTOCOL', carry)
    if (this.readyState !== 'OPEN') return this.notOpen('probe')
    return undefined
  }

  /** Probe `id` in the protocol's wire format, or the error encoding it raised. */
  private encodeProbe(id: number, options: ProbeOptions): EncodedProbe | Error {
    try {
      return this.protocol.encode(id, options.kind ?? 'text', options.bytes, this.nonce)
    } catch (error) {
      return error as Error
    }
  }

  /** Throws a RangeError for a timeout that is not > 0, as for the connection's own limits. */
  private probeTimeoutMs(options: ProbeOptions): number {
    return positive('timeoutMs', options.timeoutMs, this.messageTimeoutMs)
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

  private settleClosed(info: CloseInfo): void {
    this.closeInfo = info
    this.resolveClosed?.(info)
  }

  private lost(message: string): HealthError {
    this.meter.failure('WSH_ERR_CONNECTION_LOST')
    return new HealthError('WSH_ERR_CONNECTION_LOST', message)
  }

  private notOpen(what: string): HealthError {
    // A connection the client cut keeps its reason: later calls say why it is closed.
    return this.fatal ?? notOpen(this, what, this.readyState)
  }

  private enter(state: ReadyState, atMs = this.clock.nowMs()): void {
    this.readyState = state
    this.states.push({ state, atMs })
  }
}
