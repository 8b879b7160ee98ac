/**
 * Under chaos mode the latency percentiles (latency-performance) and the
 * heartbeat p99 (heartbeat-monitoring) are judged against their threshold
 * plus what the configured delay faults alone add at that percentile
 * (src/chaos/injected-delay.ts), over real sockets through the chaos relay:
 * a healthy service passes only thanks to that allowance, a service that is
 * slow on its own still fails, and without chaos the limits stay plain.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { NO_FAULTS, resolveFaults } from '../../src/chaos/faults.js'
import { injectedDelayAllowanceMs } from '../../src/chaos/injected-delay.js'
import type { ConfigInput } from '../../src/config/schema.js'
import type { Check, RunReport, SuiteResult } from '../../src/engine/model.js'
import { runHealthCheck } from '../../src/engine/run.js'
import { startReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'
import { startSlowServer } from '../fixtures/faulty-servers.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

const SEED = 7
const SLOW_PROBABILITY = 0.3
const SLOW_DELAY_MS = 400

/** Only slow_response is on: 30 % of replies held 400 ms by the relay, nothing else injected. */
const CHAOS: ConfigInput['chaos'] = {
  randomDisconnect: { probability: 0 },
  networkDelay: { probability: 0 },
  messageLoss: { probability: 0 },
  slowResponse: { probability: SLOW_PROBABILITY, delayMs: SLOW_DELAY_MS }
}
/** The same faults, built independently of the config path (network delay off, so its range is moot). */
const FAULTS = resolveFaults(
  { slowResponse: { probability: SLOW_PROBABILITY, delayMs: SLOW_DELAY_MS } },
  NO_FAULTS
)

async function reference(): Promise<string> {
  const server = await startReferenceServer()
  closers.push(() => server.close())
  return server.url
}

async function slowService(delayMs: number): Promise<string> {
  const server = await startSlowServer(delayMs)
  closers.push(() => server.close())
  return server.url
}

function suiteOf(report: RunReport, id: SuiteResult['id']): SuiteResult {
  const suite = report.suites.find((s) => s.id === id)
  if (suite === undefined) throw new Error(`suite ${id} missing from the report`)
  return suite
}

function checkOf(suite: SuiteResult, id: string): Check {
  const check = suite.checks.find((c) => c.id === id)
  if (check === undefined) throw new Error(`check ${id} missing from ${suite.id}`)
  return check
}

interface LatencyMetrics {
  latencyMs: { count: number; p50: number; p95: number; p99: number }
  chaosAllowanceMs?: { p50: number; p95: number; p99: number }
  probes: { resent: number; reconnects: number; timeouts: number }
}

function latencyMetrics(suite: SuiteResult): LatencyMetrics {
  return suite.metrics as unknown as LatencyMetrics
}

describe('latency under chaos: limits are threshold + the injected-delay allowance', () => {
  it('(a) a healthy service passes p95 only because of the allowance for slowed replies', async () => {
    const report = await runHealthCheck(
      makeConfig({
        url: await reference(),
        duration: 3,
        suites: ['latency-performance'],
        chaosMode: true,
        chaosSeed: SEED,
        chaos: CHAOS,
        thresholds: { p50LatencyMs: 100, p95LatencyMs: 100, p99LatencyMs: 1000 }
      })
    )
    expect(report.chaos?.seed).toBe(SEED)
    const injected = report.chaos?.injected as { slowResponses: number; delays: number }
    expect(injected.slowResponses).toBeGreaterThan(0)
    expect(injected.delays).toBe(0)

    const suite = suiteOf(report, 'latency-performance')
    const metrics = latencyMetrics(suite)
    // Nothing lost or resent: every sample is a real round trip through the relay.
    expect(metrics.probes).toMatchObject({ resent: 0, reconnects: 0, timeouts: 0 })
    const samples = metrics.latencyMs.count
    expect(samples).toBeGreaterThan(0)
    const allowance = metrics.chaosAllowanceMs?.p95
    // The suite's allowance is the distribution's, for its own sample count.
    expect(allowance).toBe(injectedDelayAllowanceMs(FAULTS, 0.95, samples))
    // p95 lies inside the slowed 30 % for any sample count: the allowance is the slow delay.
    expect(allowance).toBe(SLOW_DELAY_MS)

    const p95 = checkOf(suite, 'latency-p95')
    expect(p95.threshold).toMatchObject({ op: '<', value: 100 + Math.round(allowance ?? NaN) })
    // Measured above the plain 100 ms limit (a slowed reply), under the limit + allowance.
    expect(p95.value).toBe(metrics.latencyMs.p95)
    expect(p95.value as number).toBeGreaterThan(100)
    // (A timer may fire a fraction of a millisecond early against the monotonic clock.)
    expect(p95.value as number).toBeGreaterThan(SLOW_DELAY_MS - 5)
    expect({ status: p95.status, message: p95.message }).toEqual({
      status: 'passed',
      message: expect.stringContaining('chaos delay faults')
    })
  }, 20_000)

  it('(b) a service slow on its own still fails p50: the allowance excuses only the faults', async () => {
    // Every reply 600 ms late from the service itself. The p50 allowance for these faults is
    // 0 from 34 samples on and 400 ms below (the 99 % bound of 0.5 reaches the slowed 30 %),
    // so the p50 limit is at most 100 + 400 ms, and 600 ms misses it by more than the
    // degraded margin (10 % of the limit): failed for any sample count the run reaches.
    const serviceDelayMs = 600
    const maxAllowance = Math.max(
      ...Array.from({ length: 200 }, (_, i) => injectedDelayAllowanceMs(FAULTS, 0.5, i + 1))
    )
    expect(maxAllowance).toBe(SLOW_DELAY_MS)
    expect(serviceDelayMs - 5 - (100 + maxAllowance)).toBeGreaterThan(0.1 * (100 + maxAllowance))

    const report = await runHealthCheck(
      makeConfig({
        url: await slowService(serviceDelayMs),
        duration: 3,
        suites: ['latency-performance'],
        chaosMode: true,
        chaosSeed: SEED,
        chaos: CHAOS,
        thresholds: { p50LatencyMs: 100, p95LatencyMs: 500, p99LatencyMs: 1000 }
      })
    )
    const suite = suiteOf(report, 'latency-performance')
    const metrics = latencyMetrics(suite)
    const samples = metrics.latencyMs.count
    expect(samples).toBeGreaterThan(0)
    const allowance = metrics.chaosAllowanceMs?.p50
    expect(allowance).toBe(injectedDelayAllowanceMs(FAULTS, 0.5, samples))

    const p50 = checkOf(suite, 'latency-p50')
    expect(p50.threshold).toMatchObject({ op: '<', value: 100 + Math.round(allowance ?? NaN) })
    expect(p50.value as number).toBeGreaterThan(serviceDelayMs - 5)
    expect(p50.status).toBe('failed')
    expect(suite.status).toBe('failed')
  }, 20_000)

  it('(c) without chaos mode the limits are the plain thresholds', async () => {
    const report = await runHealthCheck(
      makeConfig({
        url: await reference(),
        duration: 2,
        suites: ['latency-performance', 'heartbeat-monitoring'],
        // Chaos faults configured but chaos mode off: they must not widen any limit.
        chaos: CHAOS,
        thresholds: {
          p50LatencyMs: 100,
          p95LatencyMs: 200,
          p99LatencyMs: 300,
          heartbeatP99Ms: 250
        }
      })
    )
    expect(report.chaos).toBeUndefined()
    const latency = suiteOf(report, 'latency-performance')
    expect(latency.metrics).not.toHaveProperty('chaosAllowanceMs')
    expect(latencyMetrics(latency).latencyMs.count).toBeGreaterThan(0)
    const limits = ['latency-p50', 'latency-p95', 'latency-p99'].map(
      (id) => checkOf(latency, id).threshold
    )
    expect(limits).toEqual([
      { op: '<', value: 100 },
      { op: '<', value: 200 },
      { op: '<', value: 300 }
    ])
    for (const id of ['latency-p50', 'latency-p95', 'latency-p99']) {
      expect(checkOf(latency, id).message).not.toContain('chaos')
    }
    const heartbeat = checkOf(suiteOf(report, 'heartbeat-monitoring'), 'heartbeat-p99')
    expect(heartbeat.threshold).toEqual({ op: '<', value: 250 })
    expect(heartbeat.message).not.toContain('chaos')
  }, 20_000)

  it('(d) the heartbeat p99 limit under chaos is threshold + the p99 allowance over the pings sent', async () => {
    const report = await runHealthCheck(
      makeConfig({
        url: await reference(),
        duration: 2,
        suites: ['heartbeat-monitoring'],
        chaosMode: true,
        chaosSeed: SEED,
        chaos: CHAOS,
        thresholds: { heartbeatP99Ms: 250 }
      })
    )
    const suite = suiteOf(report, 'heartbeat-monitoring')
    const sent = (suite.metrics.heartbeat as { sent: number }).sent
    expect(sent).toBeGreaterThan(0)
    const allowance = Math.round(injectedDelayAllowanceMs(FAULTS, 0.99, sent))
    // p99 lies inside the slowed 30 %: the whole slow delay, whatever the ping count.
    expect(allowance).toBe(SLOW_DELAY_MS)
    const p99 = checkOf(suite, 'heartbeat-p99')
    expect(p99.threshold).toEqual({ op: '<', value: 250 + allowance })
    expect(p99.message).toContain('chaos delay faults')
    expect(p99.status).toBe('passed')
  }, 20_000)
})
