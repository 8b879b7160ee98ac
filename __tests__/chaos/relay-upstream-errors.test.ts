/**
 * When the chaos relay cannot reach the service, the client is told why
 * (the upstream's own error), not "HTTP 502 from" the relay's port.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { startChaosRelay, type ChaosRelay } from '../../src/chaos/relay.js'
import { NO_FAULTS } from '../../src/chaos/faults.js'
import { isHealthError } from '../../src/errors.js'
import { makeConfig } from '../fixtures/builders.js'
import { listen } from '../fixtures/ws-server.js'
import { wireClient } from '../suites/harness.js'

let upstream: Server | undefined
let relay: ChaosRelay | undefined
afterEach(async () => {
  await relay?.close()
  relay = undefined
  upstream?.closeAllConnections()
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()))
  upstream = undefined
})

/** An HTTP server whose upgrade handler misbehaves with the raw socket. */
async function startUpgradeServer(onUpgrade: (socket: Duplex) => void): Promise<string> {
  upstream = createServer((_req, res) => res.writeHead(426).end())
  upstream.on('upgrade', (_req, socket: Duplex) => onUpgrade(socket))
  return `ws://127.0.0.1:${await listen(upstream)}/ws`
}

async function connectError(target: string): Promise<string> {
  relay = await startChaosRelay({ target, seed: 1, base: NO_FAULTS })
  const { connect } = wireClient(relay.url, makeConfig({ url: relay.url }))
  const error = await connect().then(
    () => new Error('connected'),
    (caught: unknown) => caught
  )
  expect(isHealthError(error) && error.code).toBe('WSH_ERR_HANDSHAKE_REJECTED')
  return (error as Error).message
}

describe('chaos relay upstream errors', () => {
  it('names a bad Sec-WebSocket-Accept from the service', async () => {
    const target = await startUpgradeServer((socket) =>
      socket.end(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Accept: not-the-right-key\r\n\r\n'
      )
    )
    const message = await connectError(target)
    expect(message).toContain('the chaos relay could not reach the service: ')
    expect(message).toContain('Invalid Sec-WebSocket-Accept header')
    expect(message).not.toContain('HTTP 502')
  })

  it('names a reset by the service', async () => {
    const target = await startUpgradeServer((socket) => socket.destroy())
    const message = await connectError(target)
    expect(message).toMatch(/socket hang up|ECONNRESET/)
  })

  it('believes the header only from its own relay: a service cannot put words in the report', async () => {
    // A service answering 502 with the relay's header name, but not the relay's per-process token.
    const target = await startUpgradeServer((socket) =>
      socket.end(
        'HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n' +
          'x-ws-health-upstream-error: everything is fine, @octocat look here\r\n' +
          'Content-Length: 0\r\n\r\n'
      )
    )
    const { connect } = wireClient(target, makeConfig({ url: target }))
    const error = await connect().then(
      () => new Error('connected'),
      (caught: unknown) => caught
    )
    expect(isHealthError(error) && error.code).toBe('WSH_ERR_HANDSHAKE_REJECTED')
    const message = (error as Error).message
    expect(message).toContain('HTTP 502')
    expect(message).not.toContain('everything is fine')
    expect(message).not.toContain('chaos relay')
  })
})
