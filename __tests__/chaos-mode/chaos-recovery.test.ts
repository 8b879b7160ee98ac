/**
 * Chaos mode judges the service's recovery: a connect the relay refuses in
 * its fault window is retried (bounded), and a connection the relay drops is
 * reopened, so a healthy service is not failed by the injected faults alone.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { NO_FAULTS } from '../../src/chaos/faults.js'
import { startChaosRelay, type ChaosRelay } from '../../src/chaos/relay.js'
import { createConnector } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import type { Connection } from '../../src/client/types.js'
import { HealthError } from '../../src/errors.js'
import { createChaosConnector } from '../../src/engine/chaos-mode.js'
import { runHealthCheck } from '../../src/run/run.js'
import { systemClock, type Clock } from '../../src/metrics/clock.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'
import { DEFAULT_TIMEOUTS } from '../fixtures/schema-defaults.js'
import { createManualClock } from '../fixtures/clock.js'

let server: ReferenceServer | undefined
let relay: ChaosRelay | undefined
let connection: Connection | undefined
afterEach(async () => {
  connection?.terminate()
  connection = undefined
  await relay?.close()
  relay = undefined
  await server?.close()
  server = undefined
})

async function relayed(): Promise<{ relay: ChaosRelay; target: string }> {
  server = await startReferenceServer()
  relay = await startChaosRelay({ target: server.url, seed: 1, base: NO_FAULTS })
  return { relay, target: server.url }
}

/** `clock` times the retry window and its pauses (the connects themselves run on the system clock). */
function chaosConnect(
  relayUrl: string,
  target: string,
  retryWindowMs: number,
  clock: Clock = systemClock
) {
  const config = makeConfig({ url: target })
  return createChaosConnector({
    connect: createConnector({
      ...DEFAULT_TIMEOUTS,
      url: relayUrl,
      clock: systemClock,
      protocol: createProbeProtocol(config)
    }),
    relayUrl,
    target,
    clock,
    retryWindowMs
  })
}

describe('createChaosConnector', () => {
  it('retries a connect the relay refuses with 503 until its window ends', async () => {
    const { relay, target } = await relayed()
    relay.setOutage(150)
    connection = await chaosConnect(relay.url, target, 5_000)({ label: 'retried' })
    expect(connection.readyState).toBe('OPEN')
    expect(relay.connections.refused).toBeGreaterThan(0)
  })

  it('gives up after its retry window, naming the target through the relay', async () => {
    const { relay, target } = await relayed()
    relay.setOutage(true)
    // The window is counted in the connector's pauses, not in wall time, so a slow
    // machine still gets the retries the window allows.
    const clock = createManualClock({ sleeps: 'auto-advance' })
    const error = await chaosConnect(relay.url, target, 100, clock)().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HealthError)
    const message = (error as HealthError).message
    expect((error as HealthError).code).toBe('WSH_ERR_HANDSHAKE_REJECTED')
    expect(message).toContain(`${target} through the chaos relay`)
    expect(message).not.toContain(relay.url)
    expect(relay.connections.refused).toBeGreaterThan(1)
  })

  it('stops retrying when the signal aborts', async () => {
    const { relay, target } = await relayed()
    relay.setOutage(true)
    const abort = new AbortController()
    const pending = chaosConnect(relay.url, target, 60_000)({ signal: abort.signal })
    abort.abort()
    await expect(pending).rejects.toBeInstanceOf(HealthError)
  })

  it('rejects a negative retry window', () => {
    expect(() => chaosConnect('ws://127.0.0.1:1/ws', 'ws://127.0.0.1:2/ws', -1)).toThrow(
      /retryWindowMs/
    )
  })
})

/** Only disconnects (and their 503 window): recovery is then all there is to judge. */
const DISCONNECTS_ONLY = {
  randomDisconnect: { probability: 0.3, reconnectDelayMs: 200 },
  networkDelay: { probability: 0 },
  messageLoss: { probability: 0 },
  slowResponse: { probability: 0 }
}

describe('runHealthCheck under chaos against a healthy service', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: injected disconnects and refusals do not fail the suites`, async () => {
      server = await startReferenceServer()
      const config = makeConfig({
        url: server.url,
        duration: 1,
        suites: ['latency-performance', 'heartbeat-monitoring', 'concurrent-connections'],
        connectionCount: 5,
        chaosMode: true,
        chaosSeed: seed,
        chaos: DISCONNECTS_ONLY
      })
      const report = await runHealthCheck(config)
      const injected = report.chaos?.injected as { disconnects: number }
      expect(injected.disconnects).toBeGreaterThan(0)
      // The 503 window after a disconnect refused at least one connect, which was retried.
      expect((report.chaos?.connections as { refused: number }).refused).toBeGreaterThan(0)
      for (const id of ['latency-performance', 'heartbeat-monitoring'] as const) {
        const suite = report.suites.find((s) => s.id === id)
        // Measured, and not failed by an injected refusal or drop.
        expect([id, suite?.status]).not.toEqual([id, 'failed'])
      }
      // Non-empty first: an every()/loop over nothing would pass vacuously.
      expect(report.suites.length).toBeGreaterThan(0)
      for (const suite of report.suites) expect(suite.metrics.connectError).toBeUndefined()
      // Every connection opened, even those that hit the relay's 503 window.
      const concurrent = report.suites.find((s) => s.id === 'concurrent-connections')
      expect(concurrent?.checks.find((c) => c.id === 'all-opened')?.status).toBe('passed')
      // Bounded by the retry windows, not cut by the run's deadline (how long it took is a bench figure).
      const cut = report.suites.flatMap((s) =>
        s.checks.filter((c) => c.code === 'WSH_ERR_DEADLINE')
      )
      expect(cut).toEqual([])
      const latency = report.suites.find((s) => s.id === 'latency-performance')
      const probes = latency?.metrics.probes as { replies: number; reconnects: number }
      expect(probes.replies).toBeGreaterThan(0)
      expect(probes.reconnects).toBeGreaterThan(0)
      const heartbeat = report.suites.find((s) => s.id === 'heartbeat-monitoring')
      expect((heartbeat?.metrics.heartbeat as { received: number }).received).toBeGreaterThan(0)
    }, 20_000)
  }
})
