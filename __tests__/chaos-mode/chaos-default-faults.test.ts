/**
 * Chaos mode with the seed's DEFAULT faults (disconnects, delays, losses,
 * slow responses): a healthy service recovers from every injected fault, so
 * message-delivery and connection-lifecycle are not failed by the faults
 * alone, and a message the relay drops is resent instead of being waited
 * for the full message timeout.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { chaosProbeTimeoutMs } from '../../src/engine/chaos-timing.js'
import type { RunReport } from '../../src/engine/model.js'
import { runHealthCheck } from '../../src/run/run.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'
import { DEFAULT_FAULTS } from '../fixtures/schema-defaults.js'

const servers: ReferenceServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

describe('chaosProbeTimeoutMs', () => {
  it('covers the slowest round trip the faults cause, bounded by the message timeout', () => {
    const slowest = 2 * DEFAULT_FAULTS.networkDelay.maxMs + DEFAULT_FAULTS.slowResponse.delayMs
    const derived = chaosProbeTimeoutMs(DEFAULT_FAULTS, 30_000)
    expect(derived).toBeGreaterThan(slowest)
    expect(derived).toBeLessThan(30_000)
    expect(chaosProbeTimeoutMs(DEFAULT_FAULTS, 2_000)).toBe(2_000)
  })
})

async function chaosRun(seed: number): Promise<RunReport> {
  const server = await startReferenceServer()
  servers.push(server)
  return runHealthCheck(
    makeConfig({
      url: server.url,
      duration: 5,
      suites: ['message-delivery', 'connection-lifecycle'],
      chaosMode: true,
      chaosSeed: seed
    })
  )
}

interface Recovery {
  resent: number
  reconnects: number
  retries?: number
}

describe('runHealthCheck under the default chaos faults against a healthy service', () => {
  it('seeds 1 and 2: message-delivery and connection-lifecycle recover, not fail', async () => {
    // Both seeds at once: each run has its own server and relay.
    const reports = await Promise.all([chaosRun(1), chaosRun(2)])
    let recovered = 0
    for (const report of reports) {
      const seed = report.chaos?.seed
      for (const id of ['message-delivery', 'connection-lifecycle'] as const) {
        const suite = report.suites.find((s) => s.id === id)
        const failed = suite?.checks
          .filter((c) => c.status === 'failed')
          .map((c) => `${c.id}: ${c.message}`)
        // Measured and not failed: the injected faults alone must not fail a healthy service.
        expect({ seed, id, failed }).toEqual({ seed, id, failed: [] })
        expect([seed, id, suite?.status]).not.toEqual([seed, id, 'failed'])
        const chaos = suite?.metrics.chaos as Recovery | undefined
        expect(chaos).toBeDefined()
        recovered += (chaos?.resent ?? 0) + (chaos?.reconnects ?? 0) + (chaos?.retries ?? 0)
      }
      // No suite was cut by the run's deadline (a lost message waiting out its timeout would be).
      const cut = report.suites.flatMap((s) =>
        s.checks.filter((c) => c.code === 'WSH_ERR_DEADLINE')
      )
      expect({ seed, cut }).toEqual({ seed, cut: [] })
    }
    // The faults happened, and were recovered from.
    expect(recovered).toBeGreaterThan(0)
  }, 40_000)
})
