/**
 * Under chaos with the seed's DEFAULT faults, concurrent-connections and
 * self-healing judge the service's recovery, not the faults themselves: a
 * healthy reference server is not failed, and the figures show the faults
 * really happened (disconnects injected, drops healed, clients reconnected).
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import type { RunReport } from '../../src/engine/model.js'
import { runHealthCheck } from '../../src/run/run.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'

const servers: ReferenceServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function runSeed(seed: number): Promise<RunReport> {
  const server = await startReferenceServer()
  servers.push(server)
  return runHealthCheck(
    makeConfig({
      url: server.url,
      duration: 6,
      suites: ['concurrent-connections', 'self-healing'],
      connectionCount: 5,
      chaosMode: true,
      chaosSeed: seed
    })
  )
}

describe('runHealthCheck under chaos with the default faults', () => {
  // Both seeds run side by side (each against its own service) to keep the test short.
  it('seeds 1 and 2: a healthy service passes concurrent-connections and self-healing', async () => {
    const reports = await Promise.all([runSeed(1), runSeed(2)])
    for (const [index, report] of reports.entries()) {
      const seed = index + 1
      expect(report.chaos?.seed).toBe(seed)
      const injected = report.chaos?.injected as { disconnects: number }
      expect(injected.disconnects).toBeGreaterThan(0)
      // Failed checks listed with their messages, so a failure names what went wrong.
      const failed = report.suites.flatMap((s) =>
        s.checks.filter((c) => c.status === 'failed').map((c) => [seed, s.id, c.id, c.message])
      )
      expect(failed).toEqual([])
      expect(report.suites.map((s) => s.id)).toEqual(['concurrent-connections', 'self-healing'])
      expect(report.suites.map((s) => s.status)).not.toContain('failed')
      const concurrent = report.suites.find((s) => s.id === 'concurrent-connections')
      const connections = concurrent?.metrics.connections as {
        drops: number
        dropsHealed: number
        reconnections: number
      }
      // The no-drops check judged drops that were healed, not a run without drops.
      expect(concurrent?.checks.find((c) => c.id === 'no-drops')?.status).toBe('passed')
      // Injected drops hit the pool's connections and were healed, not merely absent.
      expect([seed, connections.dropsHealed > 0]).toEqual([seed, true])
      const healing = report.suites.find((s) => s.id === 'self-healing')
      expect(healing?.metrics.reconnections as number).toBeGreaterThan(0)
      expect(connections.dropsHealed).toBeLessThanOrEqual(connections.drops)
    }
  }, 60_000)
})
