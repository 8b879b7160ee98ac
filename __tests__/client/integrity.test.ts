import { afterEach, describe, expect, it } from '@jest/globals'
import { createConnection } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import type { Connection } from '../../src/client/types.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { systemClock } from '../../src/metrics/clock.js'
import { createRunRecorder, type RunRecorder } from '../../src/metrics/run-recorder.js'
import type { TestServer } from '../fixtures/ws-server.js'
import {
  startBroadcastEchoServer,
  startCorruptingServer,
  startDuplicatingServer
} from '../fixtures/integrity-servers.js'
import { DEFAULT_TIMEOUTS } from '../fixtures/schema-defaults.js'

const echo = createProbeProtocol(ConfigSchema.parse({}))

describe('reply integrity over real sockets', () => {
  let server: TestServer | undefined
  const open: Connection[] = []

  afterEach(async () => {
    for (const c of open.splice(0)) c.terminate()
    await server?.close()
    server = undefined
  })

  async function connect(recorder: RunRecorder): Promise<Connection> {
    const c = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: (server as TestServer).url,
      clock: systemClock,
      protocol: echo,
      recorder
    })
    open.push(c)
    return c
  }

  it.each(['text', 'json', 'binary'] as const)(
    'a corrupted %s echo rejects its probe and is never counted as answered',
    async (kind) => {
      server = await startCorruptingServer()
      const recorder = createRunRecorder(systemClock)
      const c = await connect(recorder)
      await expect(c.probe({ kind })).rejects.toMatchObject({ code: 'WSH_ERR_CORRUPTED_REPLY' })
      expect(c.stats.corrupted).toBe(1)
      const metrics = recorder.toRunMetrics()
      expect(metrics).toMatchObject({ corrupted: 1, messagesReceived: 0, deliveryRate: 0 })
      expect(metrics.latencyMs.count).toBe(0)
    }
  )

  it('counts the second copy of a reply as a duplicate, not as unsolicited', async () => {
    server = await startDuplicatingServer()
    const recorder = createRunRecorder(systemClock)
    const c = await connect(recorder)
    await c.probe()
    // TCP keeps order: the first probe's second copy arrives before the next probe's reply.
    await c.probe()
    expect(c.stats.duplicates).toBeGreaterThanOrEqual(1)
    expect(c.stats.unsolicited).toBe(0)
    expect(recorder.toRunMetrics()).toMatchObject({ messagesReceived: 2, corrupted: 0 })
    expect(recorder.counters.duplicates).toBeGreaterThanOrEqual(1)
  })

  it('detects a reply delivered to the wrong connection by its nonce (cross-talk)', async () => {
    server = await startBroadcastEchoServer()
    const recorder = createRunRecorder(systemClock)
    const a = await connect(recorder)
    const b = await connect(recorder)
    await a.probe()
    // The server sent A's echo to B before B's own probe reached it.
    await b.probe()
    expect(b.stats.crossTalk).toBe(1)
    expect(b.stats.repliesMatched).toBe(1)
    expect(recorder.counters.crossTalk).toBeGreaterThanOrEqual(1)
    expect(recorder.toRunMetrics().messagesReceived).toBe(2)
  })
})
