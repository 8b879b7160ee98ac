/**
 * chaos_mode with the seed's DEFAULT faults, all six suites, against a
 * healthy reference server that serves session resume (as `ws-health serve`
 * does): the suites judge recovery, not the faults, so nothing fails (latency is
 * judged on the service's own time, the relay's holds taken out); the faults
 * really happened; and the whole run fits the run deadline (duration + 60 s)
 * with no suite cut or left unstarted.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { SUITE_IDS, type RunReport } from '../../src/engine/model.js'
import { runHealthCheck } from '../../src/run/run.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { LOSSY_MAX_KILLS, LOSSY_MAX_MESSAGES } from '../../src/suites/self-healing-clients.js'
import { makeConfig } from '../fixtures/builders.js'

const DURATION_S = 8
const servers: ReferenceServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function chaosRun(seed: number): Promise<RunReport> {
  const server = await startReferenceServer({ resume: true })
  servers.push(server)
  return runHealthCheck(
    makeConfig({
      url: server.url,
      duration: DURATION_S,
      suites: [...SUITE_IDS],
      chaosMode: true,
      chaosSeed: seed
    })
  )
}

describe('chaos_mode, default faults, all six suites, healthy service', () => {
  it('seed 1: every suite passes, within the run deadline, and the faults were injected', async () => {
    const report = await chaosRun(1)
    const notPassed = report.suites.flatMap((suite) =>
      suite.checks
        .filter((check) => check.status === 'failed' || check.status === 'degraded')
        .map((check) => `${suite.id}/${check.id} ${check.status}: ${check.message}`)
    )
    expect(notPassed).toEqual([])
    expect(report.suites.map((s) => [s.id, s.status])).toEqual(
      report.suites.map((s) => [s.id, 'passed'])
    )
    expect(report.status).toBe('passed')
    // Nothing cut by a deadline (the run's own bound is engine/runner.test.ts's: 'bounds the whole run').
    const deadlineCodes = report.suites.flatMap((s) =>
      s.checks.filter((c) => c.code === 'WSH_ERR_DEADLINE')
    )
    expect(deadlineCodes).toEqual([])

    // The faults happened: every kind but the (unconfigured) outage window.
    const injected = report.chaos?.injected as Record<string, number> | undefined
    expect(report.chaos?.seed).toBe(1)
    for (const kind of ['disconnects', 'delays', 'losses', 'slowResponses']) {
      expect([kind, injected?.[kind]]).toEqual([kind, expect.any(Number)])
      expect(injected?.[kind]).toBeGreaterThan(0)
    }
    // Session state survived real reconnects through the faults, and the kill plan was capped.
    const selfHealing = report.suites.find((s) => s.id === 'self-healing')
    expect(selfHealing?.checks.find((c) => c.id === 'session-resume')?.status).toBe('passed')
    expect(selfHealing?.metrics.plan).toEqual({
      kills: LOSSY_MAX_KILLS,
      messages: LOSSY_MAX_MESSAGES
    })
    // Throughput fairness would judge which replies the relay delayed: skipped, with the reason.
    const concurrent = report.suites.find((s) => s.id === 'concurrent-connections')
    expect(concurrent?.checks.find((c) => c.id === 'fairness-throughput')).toMatchObject({
      status: 'skipped',
      message: expect.stringContaining('relay delay faults on')
    })
    // Latency is judged on the service's own time, the relay's holds taken out.
    const latency = report.suites.find((s) => s.id === 'latency-performance')
    const p95 = latency?.checks.find((c) => c.id === 'latency-p95')
    expect(p95).toMatchObject({
      status: 'passed',
      message: expect.stringContaining("the service's own time")
    })
  }, 120_000)
})
