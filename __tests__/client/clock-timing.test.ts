import { afterEach, describe, expect, it } from '@jest/globals'
import { createConnection } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import type { Connection } from '../../src/client/types.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { createRunRecorder } from '../../src/metrics/run-recorder.js'
import { createManualClock } from '../fixtures/clock.js'
import { startHandlerServer, type TestServer } from '../fixtures/ws-server.js'
import { DEFAULT_TIMEOUTS } from '../fixtures/schema-defaults.js'

const echo = createProbeProtocol(ConfigSchema.parse({}))

describe('durations come from the injected clock', () => {
  let server: TestServer | undefined
  let connection: Connection | undefined

  afterEach(async () => {
    connection?.terminate()
    connection = undefined
    await server?.close()
    server = undefined
  })

  it('connect time, probe RTT, ping RTT and state times', async () => {
    // Durations must come from this clock, not from wall time.
    const clock = createManualClock({ sleeps: 'instant', startMs: 0 })
    // The server moves the clock before it answers; the client reads it when the answer arrives.
    server = await startHandlerServer((socket) => {
      clock.setMs(7)
      socket.on('message', (data, isBinary) => {
        clock.setMs(130)
        socket.send(data as Buffer, { binary: isBinary })
      })
      socket.on('ping', () => {
        clock.setMs(204.5)
      })
    })
    const recorder = createRunRecorder(clock)
    clock.setMs(2)
    connection = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock,
      protocol: echo,
      recorder
    })
    expect(connection.handshake.connectTimeMs).toBe(5)
    clock.setMs(100)
    const trip = await connection.probe()
    expect(trip.rttMs).toBe(30)
    clock.setMs(200)
    expect(await connection.ping()).toBe(4.5)
    expect(connection.states).toEqual([
      { state: 'CONNECTING', atMs: 2 },
      { state: 'OPEN', atMs: 7 }
    ])
    expect(recorder.toRunMetrics(1000)).toMatchObject({
      latencyMs: { avg: 30, max: 30, count: 1 },
      connectTimeMs: { avg: 5, p95: 5 },
      // One reply over the 30 ms the probe was in flight (not over the 1000 ms passed in).
      throughputMsgsPerSec: 1000 / 30
    })
    expect(Array.from(recorder.pingRtts.values())).toEqual([4.5])
  })
})
