/**
 * heartbeat-monitoring's idle window over real sockets: behind a proxy that
 * cuts connections after IDLE_CUT_MS without traffic, the idle connection
 * fails with its measured lifetime and the close, and the pinging one says
 * whether pings keep it open; against the reference server directly both
 * survive idle_ms. A window the suite's time cannot hold is capped and says
 * so; under chaos, a drop the relay's outage caused is not judged.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { runHealthCheck } from '../../src/run/run.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { IDLE_IDS } from '../../src/suites/heartbeat-idle.js'
import { makeConfig } from '../fixtures/builders.js'
import { startIdleProxy, type IdleProxy } from '../fixtures/idle-proxy.js'
import { TEST_SAMPLING_MS, check, runSuite } from './harness.js'

/** The proxy's idle timeout (ms): a stand-in for nginx's 60 s proxy_read_timeout. */
const IDLE_CUT_MS = 600
/** idle_ms in these tests: four times the cut, so a cut cannot pass for a survival. */
const IDLE_MS = 2_400
/**
 * The proxy's timer starts on the handshake response, a moment before the
 * client records OPEN, so a lifetime can read a little under the cut.
 */
const OPEN_SKEW_MS = 50

let server: ReferenceServer | undefined
let proxy: IdleProxy | undefined
afterEach(async () => {
  await proxy?.close()
  await server?.close()
  proxy = undefined
  server = undefined
})

async function behindIdleProxy(): Promise<IdleProxy> {
  server = await startReferenceServer()
  proxy = await startIdleProxy(server.port, IDLE_CUT_MS)
  return proxy
}

function heartbeatSettings(pingIntervalS: number): { pingInterval: number } {
  return { pingInterval: pingIntervalS }
}

describe('heartbeat-monitoring idle window behind a proxy that cuts idle connections', () => {
  it('fails the idle check at the cut and says pings every 150 ms keep the connection open', async () => {
    const url = (await behindIdleProxy()).url
    const { result } = await runSuite('heartbeat-monitoring', url, {
      idleMs: IDLE_MS,
      testSuites: { 'heartbeat-monitoring': heartbeatSettings(0.15) }
    })
    const idle = check(result, IDLE_IDS.idle.id)
    expect(idle).toMatchObject({
      status: 'failed',
      code: 'WSH_ERR_CONNECTION_LOST',
      threshold: { op: '>=', value: IDLE_MS }
    })
    expect(idle.value).toBeGreaterThanOrEqual(IDLE_CUT_MS - OPEN_SKEW_MS)
    expect(idle.value).toBeLessThan(IDLE_MS)
    expect(idle.message).toContain('idle connections are cut after ~')
    expect(idle.message).toContain('dropped without a close frame (1006')
    expect(idle.message).toContain('pings every 150 ms keep them open')
    const pinged = check(result, IDLE_IDS.pinged.id)
    expect(pinged.status).toBe('passed')
    expect(pinged.value).toBeGreaterThanOrEqual(IDLE_MS)
    expect(result.metrics.idle).toMatchObject({
      askedMs: IDLE_MS,
      windowMs: IDLE_MS,
      closeCode: 1006,
      pinged: { intervalMs: 150 }
    })
    expect(proxy?.cuts).toBeGreaterThanOrEqual(1)
  }, 30_000)

  it('fails both when pings are spaced wider than the proxy timeout, and says so', async () => {
    const url = (await behindIdleProxy()).url
    const { result } = await runSuite('heartbeat-monitoring', url, {
      idleMs: IDLE_MS,
      testSuites: { 'heartbeat-monitoring': heartbeatSettings(1.2) }
    })
    const idle = check(result, IDLE_IDS.idle.id)
    expect(idle.status).toBe('failed')
    expect(idle.message).toContain('pings every 1200 ms do not keep them open either')
    const pinged = check(result, IDLE_IDS.pinged.id)
    expect(pinged).toMatchObject({ status: 'failed', code: 'WSH_ERR_CONNECTION_LOST' })
    expect(pinged.value).toBeGreaterThanOrEqual(IDLE_CUT_MS - OPEN_SKEW_MS)
    expect(pinged.value).toBeLessThan(IDLE_MS)
  }, 30_000)
})

describe('heartbeat-monitoring idle window against the reference server', () => {
  it('passes with a lifetime of at least idle_ms, longer than the suite budget', async () => {
    server = await startReferenceServer()
    const { result } = await runSuite('heartbeat-monitoring', server.url, {
      idleMs: IDLE_MS,
      testSuites: { 'heartbeat-monitoring': heartbeatSettings(0.1) }
    })
    expect(IDLE_MS).toBeGreaterThan(TEST_SAMPLING_MS)
    const idle = check(result, IDLE_IDS.idle.id)
    expect(idle.status).toBe('passed')
    expect(idle.value).toBeGreaterThanOrEqual(IDLE_MS)
    expect(idle.message).toContain('no data and no pings')
    expect(check(result, IDLE_IDS.pinged.id).status).toBe('passed')
    expect(result.checks.filter((c) => c.id === 'deadline')).toEqual([])
  }, 30_000)

  it("defaults idle_ms to the suite's sampling budget", async () => {
    server = await startReferenceServer()
    const { result } = await runSuite('heartbeat-monitoring', server.url)
    expect(result.metrics.idle).toMatchObject({
      askedMs: TEST_SAMPLING_MS,
      windowMs: TEST_SAMPLING_MS
    })
    const idle = check(result, IDLE_IDS.idle.id)
    expect(idle.status).toBe('passed')
    expect(idle.value).toBeGreaterThanOrEqual(TEST_SAMPLING_MS)
  }, 30_000)

  it('caps idle_ms to the time the suite has and says so, instead of being cut', async () => {
    server = await startReferenceServer()
    const { result } = await runSuite('heartbeat-monitoring', server.url, {
      idleMs: 20_000,
      testSuites: { 'heartbeat-monitoring': { timeout: 3 } }
    })
    const windowMs = (result.metrics.idle as { windowMs: number }).windowMs
    expect(windowMs).toBeGreaterThan(0)
    expect(windowMs).toBeLessThan(3_000)
    const idle = check(result, IDLE_IDS.idle.id)
    expect(idle.status).toBe('passed')
    expect(idle.value).toBeGreaterThanOrEqual(windowMs)
    expect(idle.message).toContain(`idle_ms 20000 capped to ${windowMs} ms`)
    expect(result.checks.filter((c) => c.id === 'deadline')).toEqual([])
  }, 30_000)
})

describe('heartbeat-monitoring idle window under chaos', () => {
  it('does not judge an idle drop the chaos relay caused with an outage', async () => {
    server = await startReferenceServer()
    const report = await runHealthCheck(
      makeConfig({
        url: server.url,
        duration: 3,
        suites: ['heartbeat-monitoring'],
        chaosMode: true,
        chaosSeed: 3,
        idleMs: 2_000,
        chaos: {
          randomDisconnect: { probability: 0 },
          networkDelay: { probability: 0 },
          messageLoss: { probability: 0 },
          slowResponse: { probability: 0 },
          // Well after the idle connections opened, well before idle_ms.
          outage: { startMs: 500, durationMs: 300 }
        }
      })
    )
    expect(report.chaos).toMatchObject({ injected: { outages: 1 } })
    const checks = report.suites.flatMap((suite) => suite.checks)
    for (const id of [IDLE_IDS.idle.id, IDLE_IDS.pinged.id]) {
      const found = checks.find((c) => c.id === id)
      expect({ id, status: found?.status }).toEqual({ id, status: 'skipped' })
      expect(found?.message).toContain('not judged: dropped without a close frame')
      expect(found?.message).toContain('1 outages')
    }
  }, 30_000)
})
