/**
 * A handshake in progress is dropped when its signal aborts (a suite cut at
 * its deadline, SIGINT/SIGTERM): `opened` rejects with the signal's reason
 * and the socket to the silent service is closed, instead of both waiting
 * for the handshake timeout (which kept the CLI alive after its report).
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createConnection } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { HealthError } from '../../src/errors.js'
import { systemClock } from '../../src/metrics/clock.js'
import { createRunRecorder } from '../../src/metrics/run-recorder.js'
import { CancelledError } from '../../src/stop-signal.js'
import { startSilentServer, type TestServer } from '../fixtures/ws-server.js'
import { DEFAULT_TIMEOUTS } from '../fixtures/schema-defaults.js'

const protocol = createProbeProtocol(ConfigSchema.parse({}))
/** Far beyond the test's timeout: only the abort can settle the handshake in time. */
const HANDSHAKE_TIMEOUT_MS = 600_000

describe('an aborted signal drops the handshake', () => {
  let server: TestServer | undefined

  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('rejects with the signal reason, counts no connect failure, and closes the socket', async () => {
    let reached!: () => void
    const reachedService = new Promise<void>((resolve) => (reached = resolve))
    let closedByClient!: () => void
    const socketClosed = new Promise<void>((resolve) => (closedByClient = resolve))
    server = await startSilentServer({
      onSocket: (socket) => {
        socket.once('close', () => closedByClient())
        reached()
      }
    })
    const recorder = createRunRecorder(systemClock)
    const controller = new AbortController()
    const opening = createConnection({
      url: server.url,
      clock: systemClock,
      protocol,
      ...DEFAULT_TIMEOUTS,
      recorder,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
      signal: controller.signal
    }).catch((e: unknown) => e)
    await reachedService
    controller.abort(new CancelledError('SIGTERM'))
    const error = await opening
    expect(error).toBeInstanceOf(CancelledError)
    expect(error).toMatchObject({ code: 'WSH_ERR_CANCELLED', message: 'cancelled by SIGTERM' })
    // The silent service never closes: this settles only because the client dropped it.
    await socketClosed
    expect(recorder.toRunMetrics(1).errors).toBe(0)
  })

  it('a signal aborted before connecting rejects at once with its reason', async () => {
    server = await startSilentServer()
    const controller = new AbortController()
    controller.abort(new HealthError('WSH_ERR_DEADLINE', 'suite x exceeded its deadline of 1 ms'))
    const error = await createConnection({
      url: server.url,
      clock: systemClock,
      protocol,
      ...DEFAULT_TIMEOUTS,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
      signal: controller.signal
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'WSH_ERR_DEADLINE' })
  })
})
