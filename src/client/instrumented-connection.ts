/**
 * The instrumented connection over `ws`: connect time, handshake details,
 * state log, probe round trips by correlation id, RFC 6455 ping RTT and
 * close codes, reported into the run's recorder. Listeners are attached
 * once per connection and state lives in fields, so the message handler
 * allocates nothing beyond the reply it resolves (STYLE.md §5).
 */
import WebSocket from 'ws'
import type { ClientRequest, IncomingMessage } from 'node:http'
import { redactUrl } from '../config/redact.js'
import { HealthError, type ErrorCode } from '../errors.js'
import type { Clock } from '../metrics/clock.js'
import type { RunRecorder } from '../metrics/run-recorder.js'
import { connectError, handshakeRejected, handshakeTimedOut } from './connect-errors.js'
import { createPingTracker, type PingTracker } from './ping-tracker.js'
import { MATCH_FIFO, NO_MATCH, type EncodedProbe, type ProbeProtocol } from './protocol.js'
import type {
  CloseInfo,
  Connection,
  ConnectionOptions,
  ConnectionStats,
  HandshakeInfo,
  ProbeOptions,
  ReadyState,
  RoundTrip,
  StateChange
} from './types.js'

/** Defaults in ms/bytes; the schema's thresholds override them through createConnector. */
export const CONNECTION_DEFAULTS = {
  /** Seed: a handshake must complete within 10 s. */
  handshakeTimeoutMs: 10_000,
  /** Seed: a reply must arrive within 30 s. */
  messageTimeoutMs: 30_000,
  /** Seed: a pong must arrive within 5 s. */
  pongTimeoutMs: 5_000,
  /** A closing handshake normally takes one round trip; 5 s covers slow services. */
  closeTimeoutMs: 5_000,
  /** Largest message accepted from the service; above config's 64 MiB large-probe limit. */
  maxPayload: 128 * 1024 * 1024
} as const

export interface CreateConnectionOptions extends ConnectionOptions {
  url: string
  clock: Clock
  protocol: ProbeProtocol
  /** Default reply timeout for probe() in ms. */
  messageTimeoutMs?: number
  /** Default pong timeout for ping() in ms. */
  pongTimeoutMs?: number
  /** Default timeout for close() in ms. */
  closeTimeoutMs?: number
  /** Largest incoming message in bytes. */
  maxPayload?: number
  /** The run's metrics sink; nothing is recorded when absent or when `record` is false. */
  recorder?: RunRecorder
}

const SEND_TEXT = { binary: false } as const
/** Shared default for probe(): no object per call. */
const NO_PROBE_OPTIONS: ProbeOptions = Object.freeze({})
const SEND_BINARY = { binary: true } as const
/** ws's own handshake timer normally fires first; the backstop waits this much longer. */
const HANDSHAKE_BACKSTOP_SLACK_MS = 50

interface PendingProbe {
  startMs: number
  sent: EncodedProbe
  timeoutMs: number
  /** Clock ms after which the probe times out. */
  deadlineMs: number
  resolve(trip: RoundTrip): void
  reject(error: Error): void
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback
  if (!Number.isFinite(v) || v <= 0) {
    throw new RangeError(`${name}: got ${v}; expected a positive number of milliseconds`)
  }
  return v
}

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
  readonly stats: ConnectionStats = {
    messagesSent: 0,
    messagesReceived: 0,
    repliesMatched: 0,
    unsolicited: 0,
    timeouts: 0,
    pingsSent: 0,
    pongsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    errors: 0
  }
  handshake: HandshakeInfo = { status: 0, protocol: '', extensions: '', connectTimeMs: 0 }
  readyState: ReadyState = 'CONNECTING'
  /** The last error the socket reported after opening (for reasons in checks). */
  lastError: string | undefined
  readonly opened: Promise<Connection>
  readonly closed: Promise<CloseInfo>

  private readonly ws: WebSocket
  private readonly url: string
  /** The URL as it may appear in messages: credentials and token-like parameters replaced. */
  private readonly safeUrl: string
  private readonly clock: Clock
  private readonly protocol: ProbeProtocol
  private readonly recorder: RunRecorder | undefined
  private readonly gauge: RunRecorder | undefined
  private readonly handshakeTimeoutMs: number
  private readonly messageTimeoutMs: number
  private readonly pongTimeoutMs: number
  private readonly closeTimeoutMs: number
  private readonly startMs: number
  private readonly pending = new Map<number, PendingProbe>()
  private readonly pings: PingTracker
  private readonly listeners: ((data: Buffer, isBinary: boolean) => void)[] = []
  private nextProbeId = 0
  /** The opening promise has settled (opened or failed). */
  private settled = false
  private handshakeTimer: NodeJS.Timeout | undefined
  private wasOpen = false
  private closeInitiator: CloseInfo['initiatedBy'] | undefined
  /** The service's FIN arrived: it ended the TCP connection itself. */
  private serverEndedTcp = false
  /** The last reply was correlated by its own id (not first in first out). */
  private matchedById = false
  private resolveOpen!: (connection: Connection) => void
  private rejectOpen!: (error: Error) => void
  private resolveClosed!: (info: CloseInfo) => void

  constructor(options: CreateConnectionOptions) {
    this.url = options.url
    this.safeUrl = redactUrl(options.url)
    this.label = options.label ?? 'conn'
    this.clock = options.clock
    this.protocol = options.protocol
    this.gauge = options.recorder
    this.recorder = options.record === false ? undefined : options.recorder
    const d = CONNECTION_DEFAULTS
    this.handshakeTimeoutMs = positive(
      'handshakeTimeoutMs',
      options.handshakeTimeoutMs,
      d.handshakeTimeoutMs
    )
    this.messageTimeoutMs = positive(
      'messageTimeoutMs',
      options.messageTimeoutMs,
      d.messageTimeoutMs
    )
    this.pongTimeoutMs = positive('pongTimeoutMs', options.pongTimeoutMs, d.pongTimeoutMs)
    this.closeTimeoutMs = positive('closeTimeoutMs', options.closeTimeoutMs, d.closeTimeoutMs)
    const maxPayload = positive('maxPayload', options.maxPayload, d.maxPayload)
    this.opened = new Promise((resolve, reject) => {
      this.resolveOpen = resolve
      this.rejectOpen = reject
    })
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve
    })
    this.pings = createPingTracker({
      clock: this.clock,
      timedOut: (id, limit) => {
        this.recordFailure('WSH_ERR_PONG_TIMEOUT')
        return new HealthError(
          'WSH_ERR_PONG_TIMEOUT',
          `ping ${id} on ${this.label} got no pong from ${this.safeUrl} within ${Math.round(limit)} ms (pong-timeout-ms)`
        )
      },
      answered: (rttMs) => {
        this.stats.pongsReceived++
        this.recorder?.recordPong(rttMs)
      }
    })
    this.startMs = this.clock.nowMs()
    this.states.push({ state: 'CONNECTING', atMs: this.startMs })
    let ws: WebSocket
    try {
      ws = new WebSocket(this.url, options.subprotocols ?? [], {
        handshakeTimeout: this.handshakeTimeoutMs,
        headers: options.headers,
        maxPayload
      })
    } catch (error) {
      const raw = error instanceof Error ? error.message : String(error)
      // ws quotes the URL in its messages; only the redacted form may appear.
      const message = raw.split(this.url).join(this.safeUrl)
      // ws throws synchronously only for a URL or subprotocol list it cannot use.
      const field = /subprotocol/i.test(message)
        ? `subprotocols: got ${JSON.stringify(options.subprotocols)}`
        : `url: got "${this.safeUrl}"`
      const failure = new HealthError('WSH_ERR_CONFIG', `${field}; ${message}`)
      this.ws = undefined as unknown as WebSocket
      this.fail(failure)
      this.readyState = 'CLOSED'
      this.resolveClosed({
        code: 1006,
        reason: message,
        wasClean: false,
        initiatedBy: 'client',
        serverClosedTcp: false
      })
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
    // ws's handshakeTimeout is a socket idle timer; a service that trickles
    // bytes could stretch it. This backstop bounds the whole handshake.
    this.handshakeTimer = setTimeout(
      onHandshakeDeadline,
      this.handshakeTimeoutMs + HANDSHAKE_BACKSTOP_SLACK_MS,
      this
    )
  }

  probe(options: ProbeOptions = NO_PROBE_OPTIONS): Promise<RoundTrip> {
    const kind = options.kind ?? 'text'
    const carry = this.protocol.canCarry(kind)
    if (carry !== true) return Promise.reject(new HealthError('WSH_ERR_PROTOCOL', carry))
    if (this.readyState !== 'OPEN') return Promise.reject(this.notOpen('probe'))
    const timeoutMs = positive('timeoutMs', options.timeoutMs, this.messageTimeoutMs)
    const id = this.nextProbeId++
    let sent: EncodedProbe
    try {
      sent = this.protocol.encode(id, kind, options.bytes)
    } catch (error) {
      return Promise.reject(error)
    }
    return new Promise<RoundTrip>((resolve, reject) => {
      const startMs = this.clock.nowMs()
      const deadlineMs = startMs + timeoutMs
      this.pending.set(id, { startMs, sent, timeoutMs, deadlineMs, resolve, reject })
      // One timer per connection, armed for the earliest deadline: a timer
      // per probe cost a Timeout object and a timer-list insert and remove per message.
      if (deadlineMs < this.probeTimerAtMs) this.armProbeTimer(deadlineMs, startMs)
      this.stats.messagesSent++
      this.stats.bytesSent += sent.data.length
      this.recorder?.recordProbeSent(sent.data.length)
      this.ws.send(sent.data, sent.binary ? SEND_BINARY : SEND_TEXT)
    })
  }

  ping(timeoutMs?: number): Promise<number> {
    if (this.readyState !== 'OPEN') return Promise.reject(this.notOpen('ping'))
    const limit = positive('timeoutMs', timeoutMs, this.pongTimeoutMs)
    this.stats.pingsSent++
    this.recorder?.recordPingSent()
    return this.pings.start(limit, this.sendPing)
  }

  send(data: string | Buffer): Promise<void> {
    if (this.readyState !== 'OPEN') return Promise.reject(this.notOpen('send'))
    this.stats.messagesSent++
    this.stats.bytesSent += typeof data === 'string' ? Buffer.byteLength(data) : data.length
    return new Promise((resolve, reject) => {
      this.ws.send(data, (error) => (error ? reject(this.lost(error.message)) : resolve()))
    })
  }

  sendTextBytes(data: Buffer): Promise<void> {
    if (this.readyState !== 'OPEN') return Promise.reject(this.notOpen('send'))
    this.stats.messagesSent++
    this.stats.bytesSent += data.length
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
    return new Promise<CloseInfo>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.ws.terminate()
        // Dropping the socket makes ws emit 'close' at once. A close frame that
        // did come back (code other than 1006) means the handshake completed and
        // only the service's TCP close is missing: resolve, with serverClosedTcp false.
        void this.closed.then((info) => {
          if (info.code !== 1006) resolve(info)
          else
            reject(
              new HealthError(
                'WSH_ERR_CLOSE_TIMEOUT',
                `closing handshake with ${this.safeUrl} did not complete within ${Math.round(limit)} ms; the connection was dropped`
              )
            )
        })
      }, limit)
      void this.closed.then((info) => {
        clearTimeout(timer)
        resolve(info)
      })
    })
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
    const headers = response.headers
    this.handshake.status = response.statusCode ?? 0
    this.handshake.protocol = headerText(headers['sec-websocket-protocol'])
    this.handshake.extensions = headerText(headers['sec-websocket-extensions'])
  }

  private readonly onUnexpectedResponse = (
    _req: ClientRequest,
    response: IncomingMessage
  ): void => {
    const status = response.statusCode ?? 0
    this.handshake.status = status
    response.resume()
    this.fail(handshakeRejected(this.safeUrl, status))
    this.ws.terminate()
  }

  private readonly onOpen = (): void => {
    const now = this.clock.nowMs()
    this.handshake.connectTimeMs = now - this.startMs
    // ws validated the negotiated subprotocol; prefer its view of the result.
    this.handshake.protocol = this.ws.protocol
    this.enter('OPEN', now)
    clearTimeout(this.handshakeTimer)
    this.settled = true
    this.wasOpen = true
    this.gauge?.recordOpened()
    this.recorder?.recordConnect(this.handshake.connectTimeMs)
    this.resolveOpen(this)
  }

  private readonly onError = (error: Error): void => {
    if (!this.settled) {
      this.fail(connectError(this.safeUrl, this.handshakeTimeoutMs, error))
      return
    }
    // Echoes of a failed opening (e.g. terminate after a rejected upgrade) are not new errors.
    if (!this.wasOpen) return
    this.lastError = error.message
    this.stats.errors++
    const code = (error as NodeJS.ErrnoException).code
    this.recorder?.recordError(
      typeof code === 'string' && code.startsWith('WS_ERR_')
        ? 'WSH_ERR_PROTOCOL'
        : 'WSH_ERR_CONNECTION_LOST'
    )
  }

  private readonly onClose = (code: number, reasonBuffer: Buffer): void => {
    const wasOpen = this.wasOpen
    if (!this.settled) {
      this.fail(
        connectError(
          this.safeUrl,
          this.handshakeTimeoutMs,
          new Error('connection closed before the handshake completed')
        )
      )
    }
    this.enter('CLOSED')
    if (wasOpen) this.gauge?.recordClosed()
    const reason = reasonBuffer.toString('utf8')
    const detail = `connection ${this.label} to ${this.safeUrl} closed (code ${code}${reason ? `: ${reason}` : ''})`
    clearTimeout(this.probeTimer)
    this.probeTimerAtMs = Number.POSITIVE_INFINITY
    for (const [id, probe] of this.pending) {
      this.pending.delete(id)
      this.recorder?.recordProbeLost()
      probe.reject(this.lost(`probe ${id} got no reply: ${detail}`))
    }
    this.pings.rejectAll((id) => this.lost(`ping ${id} got no pong: ${detail}`))
    this.resolveClosed({
      code,
      reason,
      // ws reports 1006 exactly when no close frame arrived before the TCP connection ended.
      wasClean: code !== 1006,
      initiatedBy: this.closeInitiator ?? (code === 1006 ? 'network' : 'server'),
      serverClosedTcp: this.serverEndedTcp
    })
  }

  private readonly onWsMessage = (data: Buffer, isBinary: boolean): void => {
    const stats = this.stats
    stats.messagesReceived++
    stats.bytesReceived += data.length
    const listeners = this.listeners
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i](data, isBinary)
      } catch {
        // A suite's listener must not break measurement of the stream.
      }
    }
    const probe = this.pending.size === 0 ? undefined : this.correlate(data, isBinary)
    if (probe === undefined) {
      stats.unsolicited++
      this.recorder?.recordUnsolicited(data.length)
      return
    }
    const rttMs = this.clock.nowMs() - probe.startMs
    const intact = this.protocol.intact(data, isBinary, probe.sent)
    stats.repliesMatched++
    this.recorder?.recordRoundTrip(rttMs, intact, data.length)
    probe.resolve({
      id: this.matchedId,
      rttMs,
      intact,
      bytes: probe.sent.data.length,
      matchedById: this.matchedById
    })
  }

  private readonly onTcpEnd = (): void => {
    this.serverEndedTcp = true
  }

  private readonly onPong = (payload: Buffer): void => {
    this.pings.settle(payload)
  }

  private readonly sendPing = (payload: Buffer): void => {
    this.ws.ping(payload)
  }

  // ------------------------------------------------------------ internals

  private matchedId = -1
  private probeTimer: NodeJS.Timeout | undefined
  /** Deadline the probe timer is armed for (Infinity when none). */
  private probeTimerAtMs = Number.POSITIVE_INFINITY

  private armProbeTimer(atMs: number, nowMs: number): void {
    clearTimeout(this.probeTimer)
    this.probeTimerAtMs = atMs
    this.probeTimer = setTimeout(onProbeDeadline, Math.max(0, atMs - nowMs), this)
    // Pending probes exist only while the socket is open, and the socket keeps
    // the process alive; an idle connection's stale deadline must not.
    this.probeTimer.unref()
  }

  /** The probe timer fired: time out every probe past its deadline, re-arm for the next. */
  sweepProbes(): void {
    // The armed deadline has passed by the timer's account even if the
    // injected clock disagrees (a manual clock in tests), so never re-arm for it.
    const now = Math.max(this.clock.nowMs(), this.probeTimerAtMs)
    this.probeTimer = undefined
    this.probeTimerAtMs = Number.POSITIVE_INFINITY
    let next = Number.POSITIVE_INFINITY
    for (const [id, probe] of this.pending) {
      if (probe.deadlineMs <= now) this.timeoutProbe(id)
      else if (probe.deadlineMs < next) next = probe.deadlineMs
    }
    if (next !== Number.POSITIVE_INFINITY) this.armProbeTimer(next, this.clock.nowMs())
  }

  /** Finds and removes the pending probe a message answers; sets matchedId. */
  private correlate(data: Buffer, isBinary: boolean): PendingProbe | undefined {
    let id = this.protocol.match(data, isBinary)
    if (id === NO_MATCH) return undefined
    // A json service may echo an id field of its own: a reply to an id we
    // never sent is correlated first in first out, like one with no id.
    const fifo = id === MATCH_FIFO || (this.protocol.name === 'json' && id >= this.nextProbeId)
    if (fifo) id = this.pending.keys().next().value as number
    this.matchedById = !fifo
    const probe = this.pending.get(id)
    if (probe !== undefined) {
      this.pending.delete(id)
      this.matchedId = id
    }
    return probe
  }

  timeoutProbe(id: number): void {
    const probe = this.pending.get(id)
    if (probe === undefined) return
    this.pending.delete(id)
    this.stats.timeouts++
    this.recorder?.recordProbeLost()
    this.recordFailure('WSH_ERR_MESSAGE_TIMEOUT')
    probe.reject(
      new HealthError(
        'WSH_ERR_MESSAGE_TIMEOUT',
        `probe ${id} on ${this.label} got no reply from ${this.safeUrl} within ${Math.round(probe.timeoutMs)} ms (message-timeout-ms)`
      )
    )
  }

  private recordFailure(code: ErrorCode): void {
    this.stats.errors++
    this.recorder?.recordError(code)
  }

  private lost(message: string): HealthError {
    this.recordFailure('WSH_ERR_CONNECTION_LOST')
    return new HealthError('WSH_ERR_CONNECTION_LOST', message)
  }

  private notOpen(what: string): HealthError {
    return new HealthError(
      'WSH_ERR_CONNECTION_LOST',
      `cannot ${what} on ${this.label}: connection to ${this.safeUrl} is ${this.readyState}`
    )
  }

  private enter(state: ReadyState, atMs = this.clock.nowMs()): void {
    this.readyState = state
    this.states.push({ state, atMs })
  }

  handshakeDeadline(): void {
    if (this.settled) return
    this.fail(handshakeTimedOut(this.safeUrl, this.handshakeTimeoutMs))
    this.ws.terminate()
  }

  private fail(error: HealthError): void {
    if (this.settled) return
    this.settled = true
    clearTimeout(this.handshakeTimer)
    this.recorder?.recordConnectFailure(error.code)
    this.rejectOpen(error)
  }
}

function onHandshakeDeadline(connection: InstrumentedConnection): void {
  connection.handshakeDeadline()
}

function onProbeDeadline(connection: InstrumentedConnection): void {
  connection.sweepProbes()
}

function headerText(value: string | string[] | undefined): string {
  if (value === undefined) return ''
  return Array.isArray(value) ? value.join(', ') : value
}
