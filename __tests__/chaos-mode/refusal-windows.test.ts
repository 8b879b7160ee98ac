/**
 * Every disconnect the chaos relay injects opens a window in which it
 * refuses new upgrades (HTTP 503 for random_disconnect.reconnect_delay_ms).
 * Self-healing's kill-phase client must ride those windows out, as the
 * concurrent-connections pool does (its heal window): a reconnect policy
 * that gives up inside one would blame the service for the relay's own
 * refusals ("a drop the service caused not healed"). And the time spent
 * waiting them out is the relay's, not the service's reconnect time.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { runHealthCheck } from '../../src/run/run.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'

const servers: ReferenceServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

describe('self-healing under chaos refusal windows', () => {
  it('a healthy service passes the kill phase when the backoff is far shorter than a refusal window', async () => {
    const server = await startReferenceServer()
    servers.push(server)
    const report = await runHealthCheck(
      makeConfig({
        url: server.url,
        duration: 3,
        suites: ['self-healing'],
        chaosMode: true,
        chaosSeed: 7,
        // Only disconnects, frequent, each refusing upgrades for 400 ms.
        chaos: {
          randomDisconnect: { probability: 0.2, reconnectDelayMs: 400 },
          networkDelay: { probability: 0 },
          messageLoss: { probability: 0 },
          slowResponse: { probability: 0 }
        },
        // Five attempts 10 ms apart: all of them fall inside one refusal window.
        maxReconnectAttempts: 5,
        // Below the refusal window: only the service's own time can pass it.
        thresholds: { reconnectTimeMs: 300 },
        selfHealing: { initialDelayMs: 10, backoffFactor: 1, maxDelayMs: 10, jitter: 0, kills: 2 }
      })
    )
    const injected = report.chaos?.injected as { disconnects: number }
    expect(injected.disconnects).toBeGreaterThan(0)
    const suite = report.suites.find((s) => s.id === 'self-healing')
    const judged = ['reconnect-time', 'messages-lost'].map((id) => {
      const check = suite?.checks.find((c) => c.id === id)
      return [id, check?.status, check?.message]
    })
    // The messages are compared too, so a failure shows why.
    expect(judged).toEqual([
      ['reconnect-time', 'passed', expect.any(String)],
      ['messages-lost', 'passed', expect.any(String)]
    ])
    // The relay's drops were healed, not absent, and their 503 windows were not charged.
    expect(suite?.metrics.reconnections as number).toBeGreaterThan(2)
    const steps = suite?.metrics.recoverySteps as {
      recoveryMs: number
      backoffSleepMs: number
      pathRefusedMs: number
      timeToReconnectMs: number
    }[]
    expect(steps.some((step) => step.pathRefusedMs > 0)).toBe(true)
    for (const step of steps) {
      const parts = step.recoveryMs + step.backoffSleepMs + step.pathRefusedMs
      expect(parts).toBeCloseTo(step.timeToReconnectMs, 6)
    }
    const reconnect = suite?.checks.find((c) => c.id === 'reconnect-time')
    expect(reconnect?.value as number).toBeLessThan(300)
    expect(reconnect?.message).toMatch(
      /nor the time the chaos relay refused connects after its own drops \(max [1-9]\d* ms\)/
    )
  }, 60_000)
})
