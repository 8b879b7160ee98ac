/**
 * The suites plan and judge by the path their traffic takes
 * (SuiteContext.path), never by the chaos_mode setting: run outside
 * runHealthCheck, with chaos_mode on but no relay in front of the service,
 * the path is direct, so latency-performance measures open loop on the
 * plain thresholds and concurrent-connections takes its full ramp with no
 * drop healing, exactly as without chaos_mode.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { RAMP_STEPS } from '../../src/suites/concurrent-connections.js'
import { startReferenceServer } from '../../src/server/reference-server.js'
import { check, runSuite } from './harness.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

async function reference(): Promise<string> {
  const server = await startReferenceServer()
  closers.push(() => server.close())
  return server.url
}

describe('a direct path with chaos_mode set', () => {
  it('latency-performance measures open loop and judges every percentile plainly', async () => {
    const { result } = await runSuite('latency-performance', await reference(), {
      chaosMode: true,
      chaosSeed: 1,
      latencyMode: 'open'
    })
    expect(result.metrics.latencyMode).toBe('open')
    expect(result.metrics).not.toHaveProperty('latencyModeReason')
    expect(result.metrics).not.toHaveProperty('chaosAllowanceMs')
    for (const id of ['latency-p50', 'latency-p95', 'latency-p99']) {
      // Judged (a status from a measured value), never skipped as "delays the relay may add".
      expect([id, check(result, id).status]).not.toEqual([id, 'skipped'])
      expect(check(result, id).value).toEqual(expect.any(Number))
    }
  }, 30_000)

  it('concurrent-connections takes every ramp step and judges drops without healing', async () => {
    const { result } = await runSuite('concurrent-connections', await reference(), {
      chaosMode: true,
      chaosSeed: 1,
      connectionCount: 8
    })
    expect(result.metrics.steps).toHaveLength(RAMP_STEPS)
    expect(result.metrics.connections).not.toHaveProperty('dropsHealed')
    expect(check(result, 'no-drops').status).toBe('passed')
    expect(check(result, 'no-drops').message).toBe('0 of 8 connections dropped')
  }, 30_000)
})
