/**
 * The embedded reference server: a well-behaved WebSocket service for
 * `ws-health serve`, the demo and the tests. It echoes text and binary
 * (large frames included), answers the json probe protocol's
 * `{"type":"ping","id":X}` with `{"type":"pong","id":X}`, answers RFC 6455
 * pings (ws does that), closes gracefully and accepts any path. With
 * `resume: true` it also serves the session-resume protocol
 * (resume-protocol.ts): a `session` greeting on connect, then
 * resume/set/get answered ahead of the echo.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { HealthError } from '../errors.js'
import {
  createResumeSession,
  createResumeStore,
  tokenFromRequest,
  type ResumeSession,
  type ResumeStore
} from './resume-protocol.js'

/** Defaults: loopback only, so a demo never exposes a port by accident. */
export const REFERENCE_SERVER_DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  banner: false,
  // Off by default: an unsolicited greeting would break plain echo clients.
  resume: false,
  /** Accepts the largest probe config allows (64 MiB). */
  maxPayload: 64 * 1024 * 1024
} as const

export interface ReferenceServerOptions {
  /** TCP port (0 = any free port). */
  port?: number
  host?: string
  /** Send `{"type":"connection_established",...}` on connect (unsolicited traffic for json-protocol tests). */
  banner?: boolean
  /** Largest accepted message in bytes. */
  maxPayload?: number
  /**
   * Serve the session-resume protocol: greet every connection with
   * `{"type":"session","token":T,"resumed":bool}` and answer
   * resume/set/get messages (default false: plain echo clients get no greeting).
   */
  resume?: boolean
}

export interface ReferenceServerStats {
  /** Connections accepted since start. */
  connections: number
  /** Connections open now. */
  open: number
  messagesReceived: number
  bytesReceived: number
  /** Application-level JSON pings answered. */
  jsonPings: number
  /** Connections that resumed an earlier session (resume mode only). */
  resumed: number
}

export interface ReferenceServer {
  /** `ws://host:port/ws` (any path works). */
  url: string
  port: number
  readonly stats: Readonly<ReferenceServerStats>
  /** The session store (resume mode only). */
  readonly sessions: ResumeStore | undefined
  /** Terminates every client and resolves when the port is released. */
  close(): Promise<void>
}

// A JSON ping is recognised by bytes before parsing, so echo traffic never pays for JSON.parse.
const PING_MARKER = Buffer.from('"ping"')
const OPEN_BRACE = 0x7b

/**
 * Handles one text message; returns true when it answered. Later issues add
 * handlers (e.g. session resume) here, ahead of the echo fallback.
 */
type TextHandler = (socket: WebSocket, data: Buffer, stats: ReferenceServerStats) => boolean

const answerJsonPing: TextHandler = (socket, data, stats) => {
  if (data[0] !== OPEN_BRACE || data.indexOf(PING_MARKER) === -1) return false
  let message: unknown
  try {
    message = JSON.parse(data.toString('utf8'))
  } catch {
    return false
  }
  if (message === null || typeof message !== 'object') return false
  const { type, id } = message as { type?: unknown; id?: unknown }
  if (type !== 'ping') return false
  stats.jsonPings++
  socket.send(JSON.stringify(id === undefined ? { type: 'pong' } : { type: 'pong', id }))
  return true
}

const TEXT_HANDLERS: readonly TextHandler[] = [answerJsonPing]

function checkOptions(options: ReferenceServerOptions): Required<ReferenceServerOptions> {
  const merged = { ...REFERENCE_SERVER_DEFAULTS, ...options }
  if (!Number.isInteger(merged.port) || merged.port < 0 || merged.port > 65535) {
    throw new RangeError(`port: got ${merged.port}; expected an integer from 0 to 65535`)
  }
  if (!Number.isInteger(merged.maxPayload) || merged.maxPayload < 1) {
    throw new RangeError(`maxPayload: got ${merged.maxPayload}; expected an integer >= 1 (bytes)`)
  }
  return merged
}

/** A listen failure as one clear line (the CLI prints it as is). */
function listenError(error: NodeJS.ErrnoException, port: number, host: string): HealthError {
  const message =
    error.code === 'EADDRINUSE'
      ? `port ${port} is in use (choose another --port, or 0 for any free port)`
      : `cannot listen on ${host}:${port}: ${error.message}`
  return new HealthError('WSH_ERR_SERVER_START', message, { cause: error })
}

/**
 * Starts the reference server; resolves once it listens. Rejects with
 * HealthError WSH_ERR_SERVER_START when it cannot listen (port in use...).
 */
export async function startReferenceServer(
  options: ReferenceServerOptions = {}
): Promise<ReferenceServer> {
  const settings = checkOptions(options)
  const stats: ReferenceServerStats = {
    connections: 0,
    open: 0,
    messagesReceived: 0,
    bytesReceived: 0,
    jsonPings: 0,
    resumed: 0
  }
  const sessions = settings.resume ? createResumeStore() : undefined
  const http: Server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' })
    res.end('this is a WebSocket endpoint; connect with ws://\n')
  })
  // No `path`: the server accepts an upgrade on any path (/ws, /, ...).
  const wss = new WebSocketServer({ server: http, maxPayload: settings.maxPayload })

  wss.on('connection', (socket, request) => {
    let session: ResumeSession | undefined
    if (sessions) {
      session = createResumeSession(sessions, { token: tokenFromRequest(request) })
      if (session.resumed) stats.resumed++
      socket.send(session.greeting())
    }
    stats.connections++
    stats.open++
    socket.on('close', () => {
      stats.open--
    })
    socket.on('error', () => {
      // Client protocol errors close the socket (ws sends the close code); nothing to do here.
    })
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      stats.messagesReceived++
      stats.bytesReceived += data.length
      if (!isBinary) {
        if (session && data[0] === OPEN_BRACE) {
          const wasResumed = session.resumed
          const reply = session.handle(data.toString('utf8'))
          if (reply !== undefined) {
            if (session.resumed && !wasResumed) stats.resumed++
            socket.send(reply)
            return
          }
        }
        for (const handler of TEXT_HANDLERS) if (handler(socket, data, stats)) return
      }
      socket.send(data, { binary: isBinary })
    })
    if (settings.banner) {
      socket.send(JSON.stringify({ type: 'connection_established', connection: stats.connections }))
    }
  })

  // ws re-emits the http server's errors on wss; without a listener a listen failure
  // (EADDRINUSE) is an "Unhandled 'error' event" crash instead of a rejection.
  wss.on('error', () => undefined)
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      wss.close()
      reject(listenError(error, settings.port, settings.host))
    }
    http.once('error', onError)
    http.listen(settings.port, settings.host, () => {
      http.off('error', onError)
      resolve()
    })
  })
  const port = (http.address() as AddressInfo).port
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host
  let closing: Promise<void> | undefined

  return {
    url: `ws://${host}:${port}/ws`,
    port,
    stats,
    sessions,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        wss.close()
        http.close(() => resolve())
        http.closeAllConnections()
      })
      return closing
    }
  }
}
