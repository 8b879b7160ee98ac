/** Tiny purpose-built servers for client tests (127.0.0.1, port 0). */
import { createServer, type Server } from 'node:http'
import { createServer as createTcpServer, type Socket } from 'node:net'
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws'
import { closedPortUrl, listen, trackSockets } from '../fixtures/faulty-servers.js'

export interface TestServer {
  url: string
  close(): Promise<void>
}

function closeHttp(http: Server, wss?: WebSocketServer): Promise<void> {
  return new Promise((resolve) => {
    if (wss) {
      for (const client of wss.clients) client.terminate()
      wss.close()
    }
    http.close(() => resolve())
    http.closeAllConnections()
  })
}

/** A ws server whose connection handler is given by the test. */
export async function startWsServer(
  onConnection: (socket: WebSocket) => void,
  options: ServerOptions = {}
): Promise<TestServer> {
  const http = createServer()
  const wss = new WebSocketServer({ server: http, ...options })
  wss.on('connection', onConnection)
  const port = await listen(http)
  return { url: `ws://127.0.0.1:${port}/ws`, close: () => closeHttp(http, wss) }
}

/** Answers every upgrade with an HTTP status (e.g. 503). */
export async function startRejectingServer(status: number): Promise<TestServer> {
  const http = createServer()
  http.on('upgrade', (_req, socket: Socket) => {
    socket.end(
      `HTTP/1.1 ${status} Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`
    )
  })
  const port = await listen(http)
  return { url: `ws://127.0.0.1:${port}/ws`, close: () => closeHttp(http) }
}

/**
 * Accepts TCP connections and never completes a handshake. With
 * `trickleMs`, it writes one byte of a never-ending status line that often
 * (at most 1000 bytes), which keeps a socket idle timer from firing.
 */
export async function startSilentTcpServer(trickleMs?: number): Promise<TestServer> {
  const sockets = trackSockets()
  const timers = new Set<NodeJS.Timeout>()
  const tcp = createTcpServer((socket) => {
    sockets.track(socket)
    if (trickleMs !== undefined) {
      let sent = 0
      const timer = setInterval(() => {
        if (++sent > 1000 || socket.destroyed) return clearInterval(timer)
        socket.write(sent === 1 ? 'HTTP/1.1 101 ' : 'x')
      }, trickleMs)
      timers.add(timer)
    }
  })
  const port = await listen(tcp)
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearInterval(timer)
        sockets.destroyAll()
        tcp.close(() => resolve())
      })
  }
}

/** A port that was free a moment ago and has nothing listening now (the shared fixture). */
export { closedPortUrl }

/** Accepts TCP connections and closes them at once (a service that hangs up). */
export async function startHangUpServer(): Promise<TestServer> {
  const tcp = createTcpServer((socket) => socket.destroy())
  const port = await listen(tcp)
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    close: () => new Promise((resolve) => tcp.close(() => resolve()))
  }
}
