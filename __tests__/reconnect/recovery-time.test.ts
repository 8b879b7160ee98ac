/**
 * Recovery time is the service's: from the drop until it accepts again,
 * without the client's own backoff sleep, which is reported beside it.
 * Real sockets; a manual clock on which only the backoff sleeps pass time,
 * so every figure is exact.
 */
import { describe, expect, it } from '@jest/globals'
import {
  createReconnectingClient,
  type ReconnectingClient
} from '../../src/client/reconnecting-client.js'
import { createManualClock } from '../fixtures/clock.js'
import { clientOptions, type PartialClientOptions } from '../fixtures/schema-defaults.js'
import type { BackoffOptions } from '../../src/client/backoff.js'
import { closeAfterEach, startServer, waitFor } from './servers.js'

const { servers, clients } = closeAfterEach()

/** The delay policy these tests assert: 500 ms doubling up to a 10 s cap, 5 attempts. */
const POLICY: BackoffOptions = {
  initialDelayMs: 500,
  factor: 2,
  maxDelayMs: 10_000,
  jitter: 0.2,
  maxAttempts: 5
}

function client(options: PartialClientOptions): ReconnectingClient {
  const created = createReconnectingClient(
    clientOptions({ ackTimeoutMs: 0, random: () => 0.5, ...options }, POLICY)
  )
  clients.push(created)
  return created
}

describe('recovery time without the backoff sleep', () => {
  it('charges the service nothing when it accepts at the first attempt after a kill', async () => {
    const server = await startServer()
    servers.push(server)
    const clock = createManualClock({ sleeps: 'auto-advance' })
    const c = client({ url: server.url, clock, breaker: null })
    await c.start()
    server.sockets[0]?.terminate()
    await waitFor(() => c.stats.reconnections === 1)
    const recovery = c.stats.recoveries[0]
    expect(recovery).toMatchObject({ cause: 'drop', attempts: 1, delaysMs: [500] })
    expect(recovery.timeToReconnectMs).toBe(500)
    expect(recovery.backoffSleepMs).toBe(500)
    expect(recovery.recoveryMs).toBe(0)
  })

  it('counts the time the service refused, not the sleep after its last refusal', async () => {
    let server = await startServer()
    servers.push(server)
    const port = server.port
    const clock = createManualClock({ sleeps: 'auto-advance' })
    const c = client({ url: server.url, clock, breaker: null })
    let sleeps = 0
    clock.beforeWake = async () => {
      // Down for the first two attempts (after 500 and 1000 ms), back before the third.
      if (++sleeps === 3) {
        server = await startServer(() => undefined, port)
        servers.push(server)
      }
    }
    await c.start()
    await servers[0].close()
    await waitFor(() => c.stats.reconnections === 1)
    const recovery = c.stats.recoveries[0]
    expect(recovery.delaysMs).toEqual([500, 1000, 2000])
    expect(recovery.attempts).toBe(3)
    expect(recovery.timeToReconnectMs).toBe(3500)
    // Refused at 500 and 1500 ms: down until then; the last 2000 ms wait was the client's.
    expect(recovery.backoffSleepMs).toBe(2000)
    expect(recovery.recoveryMs).toBe(1500)
  })
})
