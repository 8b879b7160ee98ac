/** Tiny purpose-built servers for client tests (127.0.0.1, port 0). */
import { createServer, type Server } from 'node:http'
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws'

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

function listen(http: Server | TcpServer): Promise<number> {
  return new Promise((resolve) => {
    http.listen(0, '127.0.0.1', () => resolve((http.address() as AddressInfo).port))
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
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const tcp = createTcpServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    if (trickleMs !== undefined) {
      let sent = 0
      const timer = setInterval(() => {
        if (++sent > 1000 || socket.destroyed) return clearInterval(timer)
        socket.write(sent === 1 ? 'HTTP/1.1 101 ' : 'x')
      }, trickleMs)
      timers.add(timer)
    }
    socket.on('close', () => sockets.delete(socket))
  })
  const port = await listen(tcp)
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearInterval(timer)
        for (const socket of sockets) socket.destroy()
        tcp.close(() => resolve())
      })
  }
}

/** A port that was free a moment ago and has nothing listening now. */
export async function closedPortUrl(): Promise<string> {
  const tcp = createTcpServer()
  const port = await listen(tcp)
  await new Promise<void>((resolve) => tcp.close(() => resolve()))
  return `ws://127.0.0.1:${port}/ws`
}

/** Accepts TCP connections and closes them at once (a service that hangs up). */
export async function startHangUpServer(): Promise<TestServer> {
  const tcp = createTcpServer((socket) => socket.destroy())
  const port = await listen(tcp)
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    close: () => new Promise((resolve) => tcp.close(() => resolve()))
  }
}
