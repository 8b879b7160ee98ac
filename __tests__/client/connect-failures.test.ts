import { afterEach, describe, expect, it } from '@jest/globals'
import { createConnection, toConnectFailure } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { HealthError } from '../../src/errors.js'
import { systemClock } from '../../src/metrics/clock.js'
import { createRunRecorder } from '../../src/metrics/run-recorder.js'
import { startHangUpServer, startRefusingServer } from '../fixtures/faulty-servers.js'
import { closedPortUrl, startSilentServer, type TestServer } from '../fixtures/ws-server.js'
import { DEFAULT_TIMEOUTS } from '../fixtures/schema-defaults.js'

const protocol = createProbeProtocol(ConfigSchema.parse({}))

describe('connect failures are HealthErrors with reasons', () => {
  let server: TestServer | undefined

  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('a 503 answer to the upgrade is WSH_ERR_HANDSHAKE_REJECTED with status 503', async () => {
    server = await startRefusingServer(503)
    const recorder = createRunRecorder(systemClock)
    const error = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol,
      recorder
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HealthError)
    expect(toConnectFailure(error)).toEqual({
      code: 'WSH_ERR_HANDSHAKE_REJECTED',
      message: expect.stringContaining('handshake rejected: HTTP 503'),
      status: 503
    })
    expect(recorder.counters.connectFailures).toBe(1)
    expect(recorder.toRunMetrics(0).errors).toBe(1)
    expect(recorder.counters.openConnections).toBe(0)
  })

  it('a closed port is WSH_ERR_CONNECT naming the reason', async () => {
    const url = await closedPortUrl()
    const error = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url,
      clock: systemClock,
      protocol
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'WSH_ERR_CONNECT' })
    expect((error as Error).message).toContain('ECONNREFUSED')
    expect((error as Error).message).toContain(url)
  })

  it('a server that never answers the upgrade is WSH_ERR_HANDSHAKE_TIMEOUT', async () => {
    server = await startSilentServer()
    const error = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol,
      handshakeTimeoutMs: 100
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'WSH_ERR_HANDSHAKE_TIMEOUT' })
    const message = (error as Error).message
    // The hint names the settings that exist: no --handshake-timeout-ms flag and
    // no action input (it moved to the config file) do.
    expect(message).toContain('after 100 ms (raise config file key handshake_timeout_ms')
    expect(message).not.toContain('handshake-timeout-ms')
    expect(message).not.toContain('input handshake_timeout_ms')
  })

  it('a server that trickles bytes without finishing the handshake still times out', async () => {
    server = await startSilentServer({ trickleMs: 10 })
    const error = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol,
      handshakeTimeoutMs: 100
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'WSH_ERR_HANDSHAKE_TIMEOUT' })
  })

  it('a server that hangs up during the handshake is WSH_ERR_CONNECT', async () => {
    server = await startHangUpServer()
    const error = await createConnection({
      ...DEFAULT_TIMEOUTS,
      url: server.url,
      clock: systemClock,
      protocol
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'WSH_ERR_CONNECT' })
    expect((error as Error).message).toMatch(/ECONNRESET/)
  })

  it('a duplicate subprotocol is WSH_ERR_CONFIG naming subprotocols', async () => {
    await expect(
      createConnection({
        ...DEFAULT_TIMEOUTS,
        url: 'ws://127.0.0.1:1/ws',
        clock: systemClock,
        protocol,
        subprotocols: ['a', 'a']
      })
    ).rejects.toMatchObject({
      code: 'WSH_ERR_CONFIG',
      message: expect.stringMatching(/^subprotocols: got/)
    })
  })

  it('a malformed URL is WSH_ERR_CONFIG naming the url', async () => {
    await expect(
      createConnection({ ...DEFAULT_TIMEOUTS, url: 'http//nope', clock: systemClock, protocol })
    ).rejects.toMatchObject({
      code: 'WSH_ERR_CONFIG',
      message: expect.stringContaining('http//nope')
    })
  })

  it('a bad timeout option is a RangeError naming it', () => {
    expect(() =>
      createConnection({
        ...DEFAULT_TIMEOUTS,
        url: 'ws://127.0.0.1:1',
        clock: systemClock,
        protocol,
        messageTimeoutMs: 0
      })
    ).toThrow(/messageTimeoutMs: got 0/)
  })
})
