import { afterEach, describe, expect, it } from '@jest/globals'
import { createConnection } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import type { Connection } from '../../src/client/types.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { systemClock } from '../../src/metrics/clock.js'
import { createRunRecorder } from '../../src/metrics/run-recorder.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { startHandlerServer, type TestServer } from '../fixtures/ws-server.js'
import { DEFAULT_TIMEOUTS } from '../fixtures/schema-defaults.js'

const json = createProbeProtocol(ConfigSchema.parse({ protocol: 'json' }))

describe('json probe protocol over real sockets', () => {
  let server: ReferenceServer | TestServer | undefined
  const open: Connection[] = []

  afterEach(async () => {
    for (const c of open.splice(0)) c.terminate()
    await server?.close()
    server = undefined
  })

  async function connect(
    url: string,
    recorder = createRunRecorder(systemClock)
  ): Promise<Connection> {
    const c = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url,
      clock: systemClock,
      protocol: json,
      recorder
    })
    open.push(c)
    return c
  }

  it('counts the connection_established banner as unsolicited and matches pongs by id', async () => {
    const ref = await startReferenceServer({ banner: true })
    server = ref
    const recorder = createRunRecorder(systemClock)
    const c = await connect(ref.url, recorder)
    // The server sends the banner before any reply, so TCP order puts it first.
    const trips = await Promise.all([c.probe(), c.probe({ kind: 'json' }), c.probe()])
    expect(trips.map((t) => t.id)).toEqual([0, 1, 2])
    expect(trips.every((t) => t.intact)).toBe(true)
    expect(c.stats.unsolicited).toBe(1)
    expect(c.stats.repliesMatched).toBe(3)
    expect(recorder.counters.unsolicited).toBe(1)
    expect(recorder.toRunMetrics(1000)).toMatchObject({
      messagesSent: 3,
      messagesReceived: 3,
      deliveryRate: 1
    })
    expect(ref.stats.jsonPings).toBe(3)
  })

  it('rejects binary probes with the reason instead of sending them', async () => {
    server = await startReferenceServer()
    const c = await connect(server.url)
    await expect(c.probe({ kind: 'binary' })).rejects.toMatchObject({
      code: 'WSH_ERR_PROTOCOL',
      message: expect.stringContaining('binary payloads cannot be echoed')
    })
    expect(c.stats.messagesSent).toBe(0)
  })

  it('correlates first in first out when the service does not echo the id', async () => {
    // Pongs carry a sequence of their own and no id; a broadcast is interleaved.
    server = await startHandlerServer((socket) => {
      let n = 0
      socket.on('message', () => {
        socket.send(JSON.stringify({ type: 'broadcast', n }))
        socket.send(JSON.stringify({ type: 'pong', seq: n++ }))
      })
    })
    const c = await connect(server.url)
    const order: number[] = []
    const trips = await Promise.all(
      [0, 1, 2, 3].map((i) => c.probe().then((t) => (order.push(i), t)))
    )
    expect(trips.map((t) => t.id)).toEqual([0, 1, 2, 3])
    expect(order).toEqual([0, 1, 2, 3])
    expect(c.stats.unsolicited).toBe(4)
    expect(c.stats.repliesMatched).toBe(4)
  })

  it('times out when the service answers only with unsolicited messages', async () => {
    server = await startHandlerServer((socket) => {
      socket.on('message', () => socket.send('{"type":"connection_established"}'))
    })
    const c = await connect(server.url)
    // Long enough that the unsolicited reply arrives while the probe waits, even on a loaded machine.
    await expect(c.probe({ timeoutMs: 1_000 })).rejects.toMatchObject({
      code: 'WSH_ERR_MESSAGE_TIMEOUT'
    })
    expect(c.stats.unsolicited).toBe(1)
    expect(c.stats.repliesMatched).toBe(0)
  })
})
