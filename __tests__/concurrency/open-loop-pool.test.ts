/**
 * The load pool's open-loop pacing (concurrent-connections' probe traffic,
 * issue 16 section 1): each connection probes on a fixed schedule, so a
 * stalled service still has probes falling due, each RTT counts from the
 * probe's scheduled send, and probes due past the window fail with that
 * reason instead of vanishing.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { connectionTimeouts, createConnector } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import { createLoadPool, type LoadPool } from '../../src/engine/load-pool.js'
import { runStep } from '../../src/engine/ramp.js'
import { isHealthError } from '../../src/errors.js'
import { systemClock } from '../../src/metrics/clock.js'
import { makeConfig } from '../fixtures/builders.js'
import { startTestPool } from '../fixtures/load-pool.js'
import { startReferenceServer } from '../../src/server/reference-server.js'
import { startStallingServer } from '../fixtures/stall-server.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

const INTERVAL_MS = 10
const SAMPLE_MS = 1_500
/** One stall of 400 ms, 500 ms after the service starts (well inside the step). */
const STALL = { periodMs: 60_000, stallMs: 400, firstStallAtMs: 500 }

function openLoopPool(url: string, window: number): LoadPool {
  return startTestPool(url, closers, { pacing: 'open-loop', window, intervalMs: INTERVAL_MS })
}

describe('load pool, open-loop pacing', () => {
  it('keeps sending through a stall and charges each probe from its scheduled time', async () => {
    const server = await startStallingServer(STALL)
    closers.push(() => server.close())
    const pool = openLoopPool(server.url, 1_000)
    const step = await runStep(pool, {
      connections: 1,
      sampleMs: SAMPLE_MS,
      settleMs: 2_000,
      clock: systemClock
    })
    // One probe per 10 ms for 1.5 s whatever the service did: closed loop sends one during the stall.
    expect(step.figures.sent).toBeGreaterThanOrEqual(0.9 * (SAMPLE_MS / INTERVAL_MS))
    expect(step.figures.replies).toBe(step.figures.sent)
    expect(pool.totals.backlogged).toBe(0)
    // About 40 of 150 probes fell due in the 400 ms stall and waited up to 400 ms from then.
    expect(step.figures.p95Ms).toBeGreaterThanOrEqual(200)
  }, 20_000)

  it('sends what fell due during a stall of this process late, and charges the wait', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    const pool = openLoopPool(server.url, 1_000)
    await pool.grow(1)
    const blockMs = 200
    // 300 ms into the step this process stops for 200 ms: nothing can be sent meanwhile.
    setTimeout(() => {
      const until = performance.now() + blockMs
      while (performance.now() < until) {
        // Busy, as a long GC pause or a slow callback would keep the event loop.
      }
    }, 300)
    const step = await runStep(pool, {
      connections: 1,
      sampleMs: SAMPLE_MS,
      settleMs: 2_000,
      clock: systemClock
    })
    // The schedule did not drift: the 20 probes due in the block went out after it ...
    expect(step.figures.sent).toBeGreaterThanOrEqual(0.95 * (SAMPLE_MS / INTERVAL_MS))
    // ... each charged from when it was due (up to 200 ms): more than 5 % of the samples.
    expect(step.figures.p95Ms).toBeGreaterThanOrEqual(50)
  }, 20_000)

  it('counts probes due past the window as failed with WSH_ERR_PROBE_BACKLOG', async () => {
    const server = await startStallingServer(STALL)
    closers.push(() => server.close())
    const pool = openLoopPool(server.url, 5)
    const step = await runStep(pool, {
      connections: 1,
      sampleMs: SAMPLE_MS,
      settleMs: 2_000,
      clock: systemClock
    })
    const { totals } = pool
    // 5 probes wait out the stall; the ~35 that fall due behind them are not sent.
    expect(totals.backlogged).toBeGreaterThan(0)
    expect(totals.failures).toBe(totals.backlogged)
    expect(step.figures.errors).toBeGreaterThanOrEqual(totals.backlogged)
    expect(totals.sent + totals.backlogged).toBeGreaterThanOrEqual(0.9 * (SAMPLE_MS / INTERVAL_MS))
    const error = pool.firstProbeError
    expect(isHealthError(error) ? error.code : error).toBe('WSH_ERR_PROBE_BACKLOG')
  }, 20_000)

  it('refuses an open-loop schedule without an interval', () => {
    expect(() => openLoopPool('ws://127.0.0.1:1/ws', 1).closeAll()).not.toThrow()
    const config = makeConfig({ url: 'ws://127.0.0.1:1/ws' })
    expect(() =>
      createLoadPool({
        connect: createConnector({
          url: 'ws://127.0.0.1:1/ws',
          clock: systemClock,
          protocol: createProbeProtocol(config),
          ...connectionTimeouts(config)
        }),
        clock: systemClock,
        signal: new AbortController().signal,
        labelPrefix: 'x_',
        openRatePerSec: 1,
        pacing: 'open-loop',
        window: 1,
        intervalMs: 0,
        heartbeatIntervalMs: 0,
        timeoutMs: 1_000
      })
    ).toThrow('an open-loop schedule needs ms > 0')
  })
})
