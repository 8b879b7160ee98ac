/**
 * A connection creates its probe and ping state on first use and `closed`
 * when first asked for (heap per idle connection, benchmark (c)). These
 * tests pin what a connection reports before and after those parts exist,
 * over real sockets.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import type { WebSocket } from 'ws'
import { createConnection } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import type { Connection } from '../../src/client/types.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { HealthError } from '../../src/errors.js'
import { systemClock } from '../../src/metrics/clock.js'
import { createRunRecorder } from '../../src/metrics/run-recorder.js'
import { answer } from '../fixtures/faulty-servers.js'
import { DEFAULT_TIMEOUTS } from '../fixtures/schema-defaults.js'
import { startWsServer, type TestServer } from '../fixtures/ws-server.js'

const echo = createProbeProtocol(ConfigSchema.parse({}))
/** A probe of some other connection: its nonce is not the receiving connection's. */
const FOREIGN_NONCE = 0x12345678
const BANNER = 'welcome'
/** What the client sends once its listener is in place, for the service to start. */
const GO = 'go'

/** Answers like the reference server, but `onGo` instead of echoing GO. */
function startOnGo(onGo: (socket: WebSocket) => void): Promise<TestServer> {
  return startWsServer(() => (socket, data, isBinary) => {
    if (!isBinary && data.toString('utf8') === GO) onGo(socket)
    else answer(socket, data, isBinary)
  })
}

/** Resolves on the `count`th message the connection receives (its listener runs before it is sorted). */
function nthMessage(connection: Connection, count: number): Promise<void> {
  let seen = 0
  return new Promise((resolve) => {
    connection.onMessage(() => {
      if (++seen === count) resolve()
    })
  })
}

describe('connection state created on demand', () => {
  let server: TestServer | undefined
  const open: Connection[] = []

  afterEach(async () => {
    for (const c of open.splice(0)) c.terminate()
    await server?.close()
    server = undefined
  })

  async function connect(url: string): Promise<Connection> {
    const c = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url,
      clock: systemClock,
      protocol: echo,
      recorder: createRunRecorder(systemClock)
    })
    open.push(c)
    return c
  }

  it('sorts messages before the first probe: another connection’s probe is cross-talk, a banner unsolicited', async () => {
    const foreign = echo.encode(7, 'text', undefined, FOREIGN_NONCE).data
    server = await startOnGo((socket) => {
      socket.send(foreign, { binary: false })
      socket.send(BANNER)
    })
    const c = await connect(server.url)
    const second = nthMessage(c, 2)
    await c.send(GO)
    await second
    // The first message was sorted before the second reached the listener.
    expect(c.stats).toMatchObject({ messagesReceived: 2, crossTalk: 1 })
    const trip = await c.probe()
    expect(trip.intact).toBe(true)
    expect(c.stats).toMatchObject({
      messagesReceived: 3,
      crossTalk: 1,
      unsolicited: 1,
      repliesMatched: 1,
      duplicates: 0
    })
  })

  it('ignores a pong that arrives before any ping, then matches the first ping exactly', async () => {
    server = await startOnGo((socket) => {
      socket.pong(Buffer.from('keepalive'))
      socket.send(BANNER)
    })
    const c = await connect(server.url)
    const banner = nthMessage(c, 1)
    await c.send(GO)
    // ws delivers frames in order: the pong came before the banner.
    await banner
    expect(c.stats).toMatchObject({ pongsReceived: 0, pongMismatches: 0, pingsSent: 0 })
    const rttMs = await c.ping()
    expect(rttMs).toBeGreaterThanOrEqual(0)
    expect(c.stats).toMatchObject({ pingsSent: 1, pongsReceived: 1, pongMismatches: 0 })
  })

  it('resolves `closed` first asked for after the service closed, with the service’s code and FIN', async () => {
    // Closes on the first message instead of answering it.
    server = await startWsServer(() => (socket) => socket.close(4000, 'bye'))
    const c = await connect(server.url)
    const lost = await c.probe().catch((error: unknown) => error)
    expect(lost).toBeInstanceOf(HealthError)
    expect((lost as HealthError).code).toBe('WSH_ERR_CONNECTION_LOST')
    // The probe was rejected while the close was handled: CLOSED, and `closed` never read yet.
    expect(c.readyState).toBe('CLOSED')
    const info = await c.closed
    expect(info).toMatchObject({
      code: 4000,
      reason: 'bye',
      wasClean: true,
      initiatedBy: 'server',
      serverClosedTcp: true
    })
    expect(c.states.map((s) => s.state)).toEqual(['CONNECTING', 'OPEN', 'CLOSED'])
  })

  it('reports serverClosedTcp false when the client drops the connection itself', async () => {
    server = await startWsServer(() => answer)
    const c = await connect(server.url)
    const closed = c.closed
    c.terminate()
    expect(await closed).toMatchObject({
      code: 1006,
      initiatedBy: 'client',
      serverClosedTcp: false
    })
  })
})
