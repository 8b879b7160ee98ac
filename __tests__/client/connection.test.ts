import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createConnection, createConnector } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import type { Connection } from '../../src/client/types.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { HealthError } from '../../src/errors.js'
import { systemClock } from '../../src/metrics/clock.js'
import { createRunRecorder, type RunRecorder } from '../../src/metrics/run-recorder.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { startHandlerServer, type TestServer } from '../fixtures/ws-server.js'
import { DEFAULT_TIMEOUTS } from '../fixtures/schema-defaults.js'

const echo = createProbeProtocol(ConfigSchema.parse({}))

describe('connection against the reference server', () => {
  let server: ReferenceServer
  let recorder: RunRecorder
  const open: Connection[] = []

  beforeEach(async () => {
    server = await startReferenceServer()
    recorder = createRunRecorder(systemClock)
  })

  afterEach(async () => {
    for (const c of open.splice(0)) c.terminate()
    await server.close()
  })

  async function connect(
    extra: Partial<Parameters<typeof createConnection>[0]> = {}
  ): Promise<Connection> {
    const c = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol: echo,
      recorder,
      ...extra
    })
    open.push(c)
    return c
  }

  it('measures connect time and records the handshake', async () => {
    const c = await connect({ label: 'conn_1' })
    expect(c.label).toBe('conn_1')
    expect(c.readyState).toBe('OPEN')
    expect(c.handshake.status).toBe(101)
    expect(c.handshake.protocol).toBe('')
    expect(c.handshake.connectTimeMs).toBeGreaterThan(0)
    expect(recorder.connectTimes.count).toBe(1)
    expect(recorder.counters.openConnections).toBe(1)
    // The reference server does not enable compression.
    expect(c.handshake.extensions).toBe('')
  })

  it('records the negotiated subprotocol when one is offered', async () => {
    const c = await connect({ subprotocols: ['chat.v2', 'chat.v1'] })
    expect(c.handshake.protocol).toBe('chat.v2')
  })

  it('logs CONNECTING, OPEN, CLOSING, CLOSED and a clean client close with 1000', async () => {
    const c = await connect()
    const info = await c.close(1000, 'done')
    expect(info).toEqual({
      code: 1000,
      reason: 'done',
      wasClean: true,
      initiatedBy: 'client',
      serverClosedTcp: true
    })
    expect(c.states.map((s) => s.state)).toEqual(['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'])
    const times = c.states.map((s) => s.atMs)
    expect([...times].sort((a, b) => a - b)).toEqual(times)
    expect(c.readyState).toBe('CLOSED')
    expect(await c.closed).toBe(info)
    expect(recorder.counters.openConnections).toBe(0)
  })

  it.each(['text', 'json', 'binary', 'large'] as const)(
    'echoes a %s probe intact',
    async (kind) => {
      const c = await connect()
      const trip = await c.probe({ kind })
      expect(trip.intact).toBe(true)
      expect(trip.rttMs).toBeGreaterThanOrEqual(0)
      expect(trip.bytes).toBeGreaterThan(kind === 'large' ? 1024 * 1024 : 0)
      expect(c.stats.repliesMatched).toBe(1)
      expect(c.stats.unsolicited).toBe(0)
      expect(recorder.counters.intactReplies).toBe(1)
      expect(recorder.latency.count).toBe(1)
    }
  )

  it('correlates many concurrent probes by id', async () => {
    const c = await connect()
    const kinds = ['text', 'binary', 'json'] as const
    const trips = await Promise.all(
      Array.from({ length: 30 }, (_, i) => c.probe({ kind: kinds[i % 3] }))
    )
    expect(trips.map((t) => t.id)).toEqual(Array.from({ length: 30 }, (_, i) => i))
    expect(trips.every((t) => t.intact)).toBe(true)
    expect(recorder.toRunMetrics(1000).deliveryRate).toBe(1)
  })

  it('measures ping RTT with an RFC 6455 ping', async () => {
    const c = await connect()
    const rtt = await c.ping()
    expect(rtt).toBeGreaterThanOrEqual(0)
    expect(c.stats.pongsReceived).toBe(1)
    expect(recorder.toRunMetrics(1000).heartbeat).toEqual({ sent: 1, received: 1, successRate: 1 })
  })

  it('passes every message to onMessage listeners', async () => {
    const c = await connect()
    const seen: number[] = []
    c.onMessage((data) => seen.push(data.length))
    await c.send('hello')
    await c.probe({ kind: 'text', bytes: 32 })
    expect(seen).toEqual([5, 32])
    // The raw send's echo answers no probe: unsolicited, not a reply.
    expect(c.stats.unsolicited).toBe(1)
  })

  it('sendTextBytes sends invalid UTF-8 as a text frame; the server closes with 1007', async () => {
    const c = await connect()
    await c.sendTextBytes!(Buffer.from([0x68, 0xff, 0xfe]))
    const info = await c.closed
    expect(info).toMatchObject({ code: 1007, wasClean: true, initiatedBy: 'server' })
  })

  it('rejects probes after close with WSH_ERR_CONNECTION_LOST', async () => {
    const c = await connect()
    await c.close()
    await expect(c.probe()).rejects.toMatchObject({ code: 'WSH_ERR_CONNECTION_LOST' })
    await expect(c.ping()).rejects.toMatchObject({ code: 'WSH_ERR_CONNECTION_LOST' })
  })

  it('records nothing for a connection opened with record: false', async () => {
    const c = await connect({ record: false })
    await c.probe()
    expect(recorder.counters.messagesSent).toBe(0)
    expect(recorder.connectTimes.count).toBe(0)
    expect(c.stats.repliesMatched).toBe(1)
  })

  it('createConnector binds defaults and labels connections', async () => {
    const connectTo = createConnector({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol: echo,
      recorder
    })
    const a = await connectTo()
    const b = await connectTo({ label: 'mine' })
    open.push(a, b)
    expect([a.label, b.label]).toEqual(['conn_1', 'mine'])
    expect(recorder.counters.openConnections).toBe(2)
    expect(server.stats.connections).toBe(2)
  })
})

describe('connection against faulty servers', () => {
  let server: TestServer | undefined
  let sockets: Connection[] = []

  afterEach(async () => {
    for (const c of sockets) c.terminate()
    sockets = []
    await server?.close()
    server = undefined
  })

  it('times out a probe the server never answers and counts it lost', async () => {
    server = await startHandlerServer(() => undefined)
    const recorder = createRunRecorder(systemClock)
    const c = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol: echo,
      recorder
    })
    sockets.push(c)
    // A computed (fractional) timeout is shown in whole ms, never as 49.99999999 ms.
    const error = await c.probe({ timeoutMs: 49.6 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HealthError)
    expect(error).toMatchObject({ code: 'WSH_ERR_MESSAGE_TIMEOUT' })
    expect((error as Error).message).toMatch(/within 50 ms/)
    expect(c.stats.timeouts).toBe(1)
    const metrics = recorder.toRunMetrics(1000)
    expect(metrics.messagesLost).toBe(1)
    expect(metrics.deliveryRate).toBe(0)
    expect(metrics.successRate).toBe(0)
    expect(metrics.errors).toBe(1)
  })

  it('times out a ping the server never answers', async () => {
    // autoPong: false makes ws stop answering pings, as a broken service would.
    server = await startHandlerServer(() => undefined, { autoPong: false })
    const c = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol: echo
    })
    sockets.push(c)
    await expect(c.ping(50)).rejects.toMatchObject({ code: 'WSH_ERR_PONG_TIMEOUT' })
    expect(c.stats.pongsReceived).toBe(0)
    expect(c.stats.errors).toBe(1)
  })

  it('rejects a pending ping with WSH_ERR_CONNECTION_LOST when the connection drops', async () => {
    server = await startHandlerServer((socket) => socket.on('ping', () => socket.terminate()), {
      autoPong: false
    })
    const c = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol: echo
    })
    sockets.push(c)
    await expect(c.ping()).rejects.toMatchObject({
      code: 'WSH_ERR_CONNECTION_LOST',
      message: expect.stringContaining('code 1006')
    })
  })

  it('rejects pending probes with WSH_ERR_CONNECTION_LOST when the server drops the connection', async () => {
    server = await startHandlerServer((socket) => socket.on('message', () => socket.terminate()))
    const c = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol: echo
    })
    sockets.push(c)
    await expect(c.probe()).rejects.toMatchObject({ code: 'WSH_ERR_CONNECTION_LOST' })
    const info = await c.closed
    expect(info).toMatchObject({ code: 1006, wasClean: false, initiatedBy: 'network' })
  })

  it('records the extensions the server accepted', async () => {
    server = await startHandlerServer(() => undefined, { perMessageDeflate: true })
    // Offered only when asked for (issue 17: no inflation unless compression is on).
    const c = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol: echo,
      compression: true
    })
    sockets.push(c)
    expect(c.handshake.extensions).toMatch(/^permessage-deflate/)
  })

  it('reports a server-initiated close with its code', async () => {
    server = await startHandlerServer((socket) => socket.close(4001, 'bye'))
    const c = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol: echo
    })
    sockets.push(c)
    const info = await c.closed
    expect(info).toEqual({
      code: 4001,
      reason: 'bye',
      wasClean: true,
      initiatedBy: 'server',
      serverClosedTcp: true
    })
  })
})
