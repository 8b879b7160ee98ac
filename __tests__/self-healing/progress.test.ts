/**
 * The self-healing suite reports progress step by step (connected, acks and
 * state, each kill, soak and acks, state read back, outage), so a long run's
 * progress line moves instead of sitting on one step for seconds.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { runHealthCheck, type RunProgress } from '../../src/run/run.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'

let server: ReferenceServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('self-healing progress', () => {
  it('counts up one step per phase, each kill included, and ends at its total', async () => {
    server = await startReferenceServer({ resume: true })
    const events: RunProgress[] = []
    const report = await runHealthCheck(
      makeConfig({
        url: server.url,
        suites: ['self-healing'],
        duration: 1,
        selfHealing: { kills: 2, initialDelayMs: 20, maxDelayMs: 400, breakerResetMs: 100 }
      }),
      { onProgress: (p) => events.push(p) }
    )
    expect(report.suites[0]?.status).toBe('passed')
    const steps = events.filter((e) => e.suite === 'self-healing' && e.done > 0)
    // 2 kills + connected, acks/state, soak/acks, state read, outage (no server_command: no restart).
    expect(steps.map((e) => e.done)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(new Set(steps.map((e) => e.total))).toEqual(new Set([7]))
    expect(steps.map((e) => e.note)).toEqual([
      'connected',
      'acks and session state checked',
      'connection killed and healed',
      'connection killed and healed',
      'soak done, acks counted',
      'session state read back',
      'outage held and healed'
    ])
  }, 30_000)
})
