/**
 * Small purpose-built servers for the reconnect and chaos tests, all on
 * 127.0.0.1 port 0.
 */
import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach } from '@jest/globals'
import { WebSocketServer, type WebSocket } from 'ws'
import type { ReconnectingClient } from '../../src/client/reconnecting-client.js'

export interface TestServer {
  wss: WebSocketServer
  port: number
  url: string
  /** Every connection seen, in order. */
  sockets: WebSocket[]
  close(): Promise<void>
}

/** Starts a ws server on 127.0.0.1 (port 0 unless given). */
export async function startServer(
  onConnection: (ws: WebSocket, url: string) => void = () => undefined,
  port = 0
): Promise<TestServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false })
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve)
    wss.once('error', reject)
  })
  const sockets: WebSocket[] = []
  wss.on('connection', (ws, request) => {
    sockets.push(ws)
    ws.on('error', () => undefined)
    onConnection(ws, request.url ?? '/')
  })
  const bound = (wss.address() as AddressInfo).port
  return {
    wss,
    port: bound,
    url: `ws://127.0.0.1:${bound}/ws`,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate()
        wss.close(() => resolve())
      })
  }
}

/** Echoes every message back as it came (text or binary). */
export function echo(ws: WebSocket): void {
  ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }))
}

/**
 * An ack server that dedupes by id: each JSON message `{id}` is acked with
 * `{"type":"ack","id"}` every time (so resends are acked too) but counted once.
 */
export function ackingDedupe(seen: Map<string, number>): (ws: WebSocket) => void {
  return (ws) => {
    ws.on('message', (data) => {
      const message = JSON.parse((data as Buffer).toString('utf8')) as { id: string }
      seen.set(message.id, (seen.get(message.id) ?? 0) + 1)
      ws.send(JSON.stringify({ type: 'ack', id: message.id }))
    })
  }
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Polls `predicate` every 5 ms until true; rejects after `timeoutMs` of real time. */
export function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const tick = (): void => {
      if (predicate()) resolve()
      else if (performance.now() - started > timeoutMs)
        reject(new Error('condition not met in time'))
      else setTimeout(tick, 5)
    }
    tick()
  })
}

/** What a test pushes here is closed after each test: clients first, then servers. */
export interface Closables {
  servers: TestServer[]
  clients: ReconnectingClient[]
}

/** Registers an afterEach that closes (and forgets) every client and server pushed to the lists it returns. */
export function closeAfterEach(): Closables {
  const closables: Closables = { servers: [], clients: [] }
  afterEach(async () => {
    await Promise.all(closables.clients.map((c) => c.close()))
    await Promise.all(closables.servers.map((s) => s.close()))
    closables.clients.length = 0
    closables.servers.length = 0
  })
  return closables
}
