/**
 * A client given up on while its first handshake is still in flight must not
 * leave a rejected promise nobody listens to: under Node's default
 * --unhandled-rejections=throw that ends the CLI with no report.
 */
import { describe, it, expect, afterEach, beforeEach } from '@jest/globals'
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { createReconnectingClient } from '../../src/client/reconnecting-client.js'
import { startWithin } from '../../src/engine/recovery-steps.js'
import { systemClock } from '../../src/metrics/clock.js'
import { echo } from '../reconnect/servers.js'
import { runSuite } from '../suites/harness.js'
import { clientOptions } from '../fixtures/schema-defaults.js'

interface Closable {
  url: string
  close(): Promise<void>
}

/** Accepts TCP connections and never answers the WebSocket handshake. */
async function startSilentServer(): Promise<Closable> {
  const sockets = new Set<Socket>()
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/** An echo service that answers each handshake only after `delayMs`. */
async function startSlowEchoServer(delayMs: number): Promise<Closable> {
  const wss = new WebSocketServer({ noServer: true })
  const timers = new Set<NodeJS.Timeout>()
  const http: Server = createServer()
  http.on('upgrade', (request, socket, head) => {
    socket.on('error', () => undefined)
    const timer = setTimeout(() => {
      timers.delete(timer)
      if (socket.destroyed) return
      wss.handleUpgrade(request, socket, head, (ws) => {
        ws.on('error', () => undefined)
        echo(ws)
      })
    }, delayMs)
    timers.add(timer)
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    close: async () => {
      for (const timer of timers) clearTimeout(timer)
      for (const ws of wss.clients) ws.terminate()
      wss.close()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    }
  }
}

/** Short enough that the client is given up on while the handshake is pending. */
const CONNECT_LIMIT_MS = 150
/** Longer than CONNECT_LIMIT_MS: the handshake is still pending when close() runs. */
const HANDSHAKE_LIMIT_MS = 800

describe('giving up on a client whose handshake is pending', () => {
  let server: Closable | undefined
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason)
  }
  beforeEach(() => {
    unhandled.length = 0
    process.on('unhandledRejection', onUnhandled)
  })
  afterEach(async () => {
    process.off('unhandledRejection', onUnhandled)
    await server?.close()
    server = undefined
  })

  /** Lets a handshake time out and any pending rejection surface before asserting. */
  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, HANDSHAKE_LIMIT_MS + 200))
  }

  it('startWithin against a silent server fails without an unhandled rejection', async () => {
    server = await startSilentServer()
    const client = createReconnectingClient(
      clientOptions({ url: server.url, handshakeTimeoutMs: HANDSHAKE_LIMIT_MS })
    )
    const controller = new AbortController()
    const error = await startWithin(client, CONNECT_LIMIT_MS, systemClock, controller.signal)
    expect(error).toBeInstanceOf(Error)
    // The limit that ran out, not the "client closed" that giving up causes.
    expect((error as Error).message).toMatch(/^not open after 150 ms/)
    expect(client.state).toBe('closed')
    await settle()
    expect(unhandled).toEqual([])
  })

  it('a self-healing run against a silent server fails its checks without an unhandled rejection', async () => {
    server = await startSilentServer()
    const { result } = await runSuite('self-healing', server.url, {
      handshakeTimeoutMs: HANDSHAKE_LIMIT_MS,
      thresholds: { connectTimeMs: CONNECT_LIMIT_MS }
    })
    expect(result.status).toBe('failed')
    expect(result.checks.some((c) => c.status === 'failed')).toBe(true)
    expect(result.checks.map((c) => c.message).join('\n')).not.toMatch(/^client closed$/m)
    await settle()
    expect(unhandled).toEqual([])
  }, 30_000)

  it('a self-healing run against a slow echo server fails its checks without an unhandled rejection', async () => {
    server = await startSlowEchoServer(HANDSHAKE_LIMIT_MS / 2)
    const { result } = await runSuite('self-healing', server.url, {
      handshakeTimeoutMs: HANDSHAKE_LIMIT_MS,
      thresholds: { connectTimeMs: CONNECT_LIMIT_MS }
    })
    expect(result.status).toBe('failed')
    expect(result.checks.some((c) => c.status === 'failed')).toBe(true)
    await settle()
    expect(unhandled).toEqual([])
  }, 30_000)
})
