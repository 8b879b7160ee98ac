/**
 * The chaos relay: an in-process WebSocket-aware proxy on 127.0.0.1 between
 * a client and the service under test. It forwards the upgrade (path, query,
 * subprotocols, headers), messages both ways (text stays text, binary stays
 * binary), pings, pongs and close codes, and injects faults decided by a
 * seeded random source: latency with jitter, loss, abrupt disconnects, slow
 * responses, a bandwidth limit and an outage window.
 *
 * Reproducibility: each relayed connection gets two random streams, one per
 * direction (deriveSeed(seed, 2 * index + direction), client-to-server = 0),
 * and each draws exactly four numbers per data message in a fixed order (see
 * createFaultPlanner). So the decisions for a direction depend only on the
 * seed, the connection index and how many messages went that way before,
 * never on how the two directions interleave in time.
 *
 * Limit: the connection index is the order in which upgrades reach the
 * relay (0, 1, 2, ...). One client, or clients that connect one after the
 * other, replay exactly; clients that connect at the same instant may swap
 * indexes (and so swap fault streams) from run to run.
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import WebSocket, { WebSocketServer } from 'ws'
import { systemClock, type Clock } from '../metrics/clock.js'
import { isMessageTooBig, RELAY_TOO_BIG_REASON } from '../client/message-cap.js'
import {
  createFaultPlanner,
  MAX_FAULT_DELAY_MS,
  resolveFaults,
  type Direction,
  type FaultConfig,
  type FaultDecision
} from './faults.js'
import {
  deliverTo,
  forwardClose,
  forwardedHeaders,
  offeredProtocols,
  refuse
} from './forwarding.js'
import { createPipe, type Pipe, type PipeFlow } from './pipe.js'
import { flowLimits, RELAY_OVERFLOW_CLOSE_CODE } from './relay-flow.js'
import { createRandom, deriveSeed, randomSeed } from './random.js'
import { createRefusalLedger, type RefusalLedger } from './refusal-ledger.js'
import type {
  ChaosRelay,
  ChaosRelayOptions,
  InjectedFaults,
  RelayDecision,
  RelayFlowStats
} from './relay-types.js'
import { createTokenBucket } from './token-bucket.js'

export type * from './relay-types.js'
export {
  DEFAULT_RELAY_HIGH_WATER_BYTES,
  DEFAULT_RELAY_LOW_WATER_BYTES,
  DEFAULT_RELAY_MAX_QUEUED_BYTES,
  RELAY_OVERFLOW_CLOSE_CODE
} from './relay-flow.js'

export const MAX_DECISION_LOG = 10_000
/** Frame holds kept for heldBetween (the latest ones; a suite asks about the last few seconds). */
export const MAX_HOLD_LEDGER = 100_000
export const DEFAULT_RELAY_HANDSHAKE_TIMEOUT_MS = 10_000
interface Link {
  index: number
  upstream: WebSocket
  client: WebSocket | undefined
  /** One planner per direction: the directions never share a random stream. */
  plan: Record<Direction, (direction: Direction) => FaultDecision>
  messages: number
  toServer: Pipe | undefined
  toClient: Pipe | undefined
  abort: AbortController
}

/** What the relay's handlers share: its settings, counts, live links and fault windows. */
interface RelayState {
  target: URL
  clock: Clock
  seed: number
  faults: FaultConfig
  handshakeTimeoutMs: number
  maxPayload: number | undefined
  limits: ReturnType<typeof flowLimits>
  flowStats: RelayFlowStats
  injected: InjectedFaults
  connections: { accepted: number; refused: number; open: number }
  log: RelayDecision[]
  links: Set<Link>
  pipes: Set<Pipe>
  /** Holds of frames that left a pipe late (their delay, or the wait behind one), bounded. */
  holds: Array<{ atMs: number; toServer: boolean; heldMs: number }>
  wss: WebSocketServer
  upstreamProtocol: WeakMap<IncomingMessage, string>
  nextIndex: number
  outageUntilMs: number
  refuseUntilMs: number
  refusals: RefusalLedger
  closed: boolean
}

/**
 * Starts a relay on 127.0.0.1 (ephemeral port) in front of `target`.
 * Resolves once it listens.
 */
export async function startChaosRelay(options: ChaosRelayOptions): Promise<ChaosRelay> {
  const state = relayState(options)
  const server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket upgrade required\n')
  })
  const rawSockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    rawSockets.add(socket)
    socket.once('close', () => rawSockets.delete(socket))
  })
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) =>
    onUpgrade(state, request, socket, head)
  )
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const { target, clock, injected } = state
  const dropAll = (): number => {
    const count = state.links.size
    for (const link of [...state.links]) kill(state, link)
    return count
  }
  return {
    url: `ws://127.0.0.1:${port}${target.pathname}${target.search}`,
    port,
    seed: state.seed,
    faults: state.faults,
    injected,
    connections: state.connections,
    decisions: () => state.log,
    heldBetween: (fromMs, toMs) => heldBetween(state, fromMs, toMs),
    refusalsBetween: (fromMs, toMs) => state.refusals.between(fromMs, toMs),
    get flow() {
      for (const pipe of state.pipes) notePeak(state, pipe)
      return state.flowStats
    },
    setOutage(on) {
      if (on === false) {
        state.outageUntilMs = 0
        // A 503 window an injected disconnect opened before may outlast the outage.
        state.refusals.endAt(Math.max(clock.nowMs(), state.refuseUntilMs))
        return
      }
      if (typeof on === 'number' && (!Number.isFinite(on) || on < 0)) {
        throw new RangeError(`outage: got ${on}; expected ms >= 0, true or false`)
      }
      if (!inOutage(state)) injected.outages += 1
      state.outageUntilMs = on === true ? Number.POSITIVE_INFINITY : clock.nowMs() + on
      state.refusals.refuse(clock.nowMs(), state.outageUntilMs)
      dropAll()
    },
    dropAll,
    async close() {
      if (state.closed) return
      state.closed = true
      dropAll()
      for (const socket of rawSockets) socket.destroy()
      state.wss.close()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    }
  }
}

/** The relay's settings from its options (validated: a bad target or seed is a RangeError). */
function relayState(options: ChaosRelayOptions): RelayState {
  const target = new URL(options.target)
  if (target.protocol !== 'ws:' && target.protocol !== 'wss:') {
    throw new RangeError(`target: got ${options.target}; expected a ws:// or wss:// URL`)
  }
  const seed = options.seed ?? randomSeed()
  createRandom(seed) // validates the seed (RangeError naming it)
  const upstreamProtocol = new WeakMap<IncomingMessage, string>()
  return {
    target,
    clock: options.clock ?? systemClock,
    seed,
    faults: resolveFaults(options.faults, options.base),
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_RELAY_HANDSHAKE_TIMEOUT_MS,
    maxPayload: options.maxPayload,
    limits: flowLimits(options),
    flowStats: { peakQueuedBytes: 0, pauses: 0, overflows: 0 },
    injected: { disconnects: 0, delays: 0, losses: 0, slowResponses: 0, outages: 0 },
    connections: { accepted: 0, refused: 0, open: 0 },
    log: [],
    links: new Set(),
    pipes: new Set(),
    holds: [],
    wss: new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      autoPong: false,
      clientTracking: false,
      handleProtocols: (_offered, request) => upstreamProtocol.get(request) || false
    }),
    upstreamProtocol,
    nextIndex: 0,
    outageUntilMs: 0,
    refuseUntilMs: 0,
    refusals: createRefusalLedger(),
    closed: false
  }
}

function inOutage(state: RelayState): boolean {
  return state.clock.nowMs() < state.outageUntilMs
}

function notePeak(state: RelayState, pipe: Pipe): void {
  state.flowStats.peakQueuedBytes = Math.max(state.flowStats.peakQueuedBytes, pipe.peakQueuedBytes)
}

function kill(state: RelayState, link: Link): void {
  link.abort.abort()
  link.client?.terminate()
  link.upstream.terminate()
  state.links.delete(link)
}

/** One data message one way: decide its faults (seeded, in order) and pass it on, or not. */
function onData(
  state: RelayState,
  link: Link,
  direction: Direction,
  data: Buffer,
  isBinary: boolean
): void {
  // Frames parsed from the same chunk can still surface after a kill; they were never delivered.
  if (!state.links.has(link)) return
  const { injected } = state
  const decision = link.plan[direction](direction)
  if (state.log.length < MAX_DECISION_LOG) {
    state.log.push({ ...decision, connection: link.index, message: link.messages })
  }
  link.messages += 1
  if (decision.disconnect) {
    injected.disconnects += 1
    const nowMs = state.clock.nowMs()
    const untilMs = nowMs + state.faults.randomDisconnect.reconnectDelayMs
    state.refuseUntilMs = Math.max(state.refuseUntilMs, untilMs)
    state.refusals.refuse(nowMs, untilMs)
    kill(state, link)
    return
  }
  if (decision.lose) {
    injected.losses += 1
    return
  }
  if (decision.delayMs > 0) injected.delays += 1
  if (decision.slowMs > 0) injected.slowResponses += 1
  const pipe = direction === 'client-to-server' ? link.toServer : link.toClient
  pipe?.push({ kind: 'message', data, isBinary }, decision.delayMs + decision.slowMs)
}

function noteHold(state: RelayState, toServer: boolean, arrivedAtMs: number, heldMs: number): void {
  if (heldMs <= 0) return
  const { holds } = state
  // Amortised: drop the older half at once rather than one entry per frame.
  if (holds.length >= MAX_HOLD_LEDGER) holds.splice(0, MAX_HOLD_LEDGER / 2)
  holds.push({ atMs: arrivedAtMs, toServer, heldMs })
}

/** How long (ms) the relay held the frames that arrived between two clock readings. */
function heldBetween(state: RelayState, fromMs: number, toMs: number): number {
  const { holds } = state
  let toServer = 0
  let toClient = 0
  // Noted as frames leave, so arrival times are only nearly in order: scan back past the
  // window by the longest hold a frame can have.
  const stopBeforeMs = fromMs - MAX_FAULT_DELAY_MS
  for (let i = holds.length - 1; i >= 0 && holds[i].atMs >= stopBeforeMs; i--) {
    const hold = holds[i]
    if (hold.atMs < fromMs || hold.atMs > toMs) continue
    if (hold.toServer) toServer += hold.heldMs
    else toClient = Math.max(toClient, hold.heldMs)
  }
  return toServer + toClient
}

/** Joins the client leg to the link: one pipe per direction, then the legs' events. */
function wire(
  state: RelayState,
  link: Link,
  client: WebSocket,
  early: Array<[Buffer, boolean]>
): void {
  link.client = client
  link.toServer = createLinkPipe(state, link, 'client-to-server')
  link.toClient = createLinkPipe(state, link, 'server-to-client')
  state.connections.open += 1
  const { upstream } = link
  client.on('message', (data: Buffer, isBinary: boolean) =>
    onData(state, link, 'client-to-server', data, isBinary)
  )
  client.on('ping', (data: Buffer) => link.toServer?.push({ kind: 'ping', data }))
  client.on('pong', (data: Buffer) => link.toServer?.push({ kind: 'pong', data }))
  upstream.on('ping', (data: Buffer) => link.toClient?.push({ kind: 'ping', data }))
  upstream.on('pong', (data: Buffer) => link.toClient?.push({ kind: 'pong', data }))
  client.on('error', () => undefined)
  // A leg that ends without a close frame (1006) takes the other down the same way; after a
  // clean close the link is forgotten (and its pipe timers cancelled) once both legs are closed.
  const settle = (code: number): void => {
    const bothClosed =
      client.readyState === WebSocket.CLOSED && upstream.readyState === WebSocket.CLOSED
    if (code === 1006 || bothClosed) kill(state, link)
  }
  client.on('close', (code: number, reason: Buffer) => {
    state.connections.open -= 1
    link.toServer?.push({ kind: 'close', code, reason: reason.toString() })
    settle(code)
  })
  upstream.on('close', (code: number, reason: Buffer) => {
    link.toClient?.push({ kind: 'close', code, reason: reason.toString() })
    settle(code)
  })
  for (const [data, isBinary] of early) onData(state, link, 'server-to-client', data, isBinary)
}

/**
 * The pipe for one direction of a wired link. It pauses the socket that
 * feeds it under pressure; an overflow closes both legs with 1009.
 */
function createLinkPipe(state: RelayState, link: Link, direction: Direction): Pipe {
  const { abort, upstream } = link
  const client = link.client as WebSocket
  const toServer = direction === 'client-to-server'
  const [source, sink] = toServer ? [client, upstream] : [upstream, client]
  const { faults, clock } = state
  const flow: PipeFlow = {
    ...state.limits,
    onPressure(paused) {
      if (paused) {
        state.flowStats.pauses += 1
        source.pause()
      } else source.resume()
    },
    onOverflow() {
      state.flowStats.overflows += 1
      abort.abort()
      forwardClose(client, RELAY_OVERFLOW_CLOSE_CODE, 'relay buffer limit exceeded')
      forwardClose(upstream, RELAY_OVERFLOW_CLOSE_CODE, 'relay buffer limit exceeded')
    }
  }
  const pipe = createPipe(
    (frame, written) => deliverTo(sink, frame, written),
    clock,
    abort.signal,
    faults.bandwidth.bytesPerSecond > 0
      ? createTokenBucket(faults.bandwidth.bytesPerSecond, clock)
      : undefined,
    flow,
    (arrivedAtMs, heldMs) => noteHold(state, toServer, arrivedAtMs, heldMs)
  )
  state.pipes.add(pipe)
  abort.signal.addEventListener('abort', () => {
    notePeak(state, pipe)
    state.pipes.delete(pipe)
  })
  return pipe
}

/** A client's upgrade: refused in a fault window, else relayed once the service accepts it. */
function onUpgrade(
  state: RelayState,
  request: IncomingMessage,
  socket: Socket,
  head: Buffer
): void {
  socket.on('error', () => undefined)
  if (state.closed) {
    socket.destroy()
    return
  }
  if (inOutage(state) || state.clock.nowMs() < state.refuseUntilMs) {
    state.connections.refused += 1
    refuse(socket, 503, 'Service Unavailable')
    return
  }
  const link = openUpstream(state, request)
  // Messages the service sends right after its handshake wait here until the client leg is up.
  const early: Array<[Buffer, boolean]> = []
  let earlyBytes = 0
  const { upstream } = link
  upstream.on('message', (data: Buffer, isBinary: boolean) => {
    if (link.client) onData(state, link, 'server-to-client', data, isBinary)
    else {
      // Bounded like a pipe: a service flooding before the client leg is up is cut off.
      earlyBytes += data.length
      if (earlyBytes > state.limits.maxQueuedBytes) {
        state.flowStats.overflows += 1
        kill(state, link)
        return
      }
      early.push([data, isBinary])
    }
  })
  upstream.on('unexpected-response', (_req, res) => {
    res.resume()
    refuse(socket, res.statusCode ?? 502, res.statusMessage ?? 'Bad Gateway')
    state.links.delete(link)
    upstream.terminate()
  })
  upstream.on('error', (error: Error & { code?: string }) => {
    if (!link.client) {
      state.links.delete(link)
      const code = error.code === undefined ? '' : ` (${error.code})`
      refuse(socket, 502, 'Bad Gateway', `${error.message}${code}`)
    } else if (isMessageTooBig(error)) {
      // The client learns why; the service, which may never close, is dropped at once.
      forwardClose(link.client, 1009, RELAY_TOO_BIG_REASON)
      upstream.terminate()
    }
  })
  socket.once('close', () => {
    if (!link.client) kill(state, link)
  })
  upstream.once('open', () => {
    if (socket.destroyed || state.closed || !state.links.has(link)) {
      kill(state, link)
      return
    }
    state.upstreamProtocol.set(request, upstream.protocol)
    state.wss.handleUpgrade(request, socket, head, (client) => {
      state.connections.accepted += 1
      wire(state, link, client, early)
    })
  })
}

/** Dials the service for a client's upgrade (same path, query, subprotocols, headers): a new link. */
function openUpstream(state: RelayState, request: IncomingMessage): Link {
  const { target, faults, seed } = state
  const index = state.nextIndex++
  const upstreamUrl = new URL(request.url ?? '/', `${target.protocol}//${target.host}`)
  const upstream = new WebSocket(upstreamUrl, offeredProtocols(request), {
    headers: forwardedHeaders(request),
    perMessageDeflate: false,
    autoPong: false,
    handshakeTimeout: state.handshakeTimeoutMs,
    ...(state.maxPayload === undefined ? {} : { maxPayload: state.maxPayload })
  })
  const link: Link = {
    index,
    upstream,
    client: undefined,
    plan: {
      'client-to-server': createFaultPlanner(
        faults,
        createRandom(deriveSeed(seed, 2 * index)).next
      ),
      'server-to-client': createFaultPlanner(
        faults,
        createRandom(deriveSeed(seed, 2 * index + 1)).next
      )
    },
    messages: 0,
    toServer: undefined,
    toClient: undefined,
    abort: new AbortController()
  }
  state.links.add(link)
  return link
}
