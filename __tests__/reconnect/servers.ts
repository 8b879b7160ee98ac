/**
 * Small purpose-built servers for the reconnect and chaos tests, all on
 * 127.0.0.1 port 0.
 */
import { afterEach } from '@jest/globals'
import type { WebSocket } from 'ws'
import type { ReconnectingClient } from '../../src/client/reconnecting-client.js'
import { NO_REPLY, startWsServer, type WsTestServer } from '../fixtures/ws-server.js'

export { closedPort } from '../fixtures/ws-server.js'

export interface TestServer extends WsTestServer {
  /** Every connection seen, in order. */
  sockets: WebSocket[]
}

/** Starts a ws server on 127.0.0.1 (port 0 unless given: a restarted service keeps its port). */
export async function startServer(
  onConnection: (ws: WebSocket, url: string) => void = () => undefined,
  port = 0
): Promise<TestServer> {
  const sockets: WebSocket[] = []
  const server = await startWsServer(
    () => NO_REPLY,
    {},
    {
      port,
      onSocket(ws, request) {
        sockets.push(ws)
        onConnection(ws, request.url ?? '/')
      }
    }
  )
  return { ...server, sockets }
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
