/** The load pool's per-connection time accounting: throughput is replies over the time a connection was up. */
import { describe, it, expect, afterEach } from '@jest/globals'
import type { LoadPool } from '../../src/engine/load-pool.js'
import { slotThroughputs } from '../../src/engine/per-connection.js'
import { runStep } from '../../src/engine/ramp.js'
import { systemClock } from '../../src/metrics/clock.js'
import { startTestPool } from '../fixtures/load-pool.js'
import { startDroppingOnceServer, startUnfairServer } from '../fixtures/load-servers.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

function pool(url: string): LoadPool {
  return startTestPool(url, closers)
}

describe('load pool time accounting', () => {
  it('keeps the up time of a connection that dropped and could not come back', async () => {
    // Drops conn_1 at its 3rd message and refuses every later upgrade.
    const server = await startDroppingOnceServer(3, 2)
    closers.push(() => server.close())
    const load = pool(server.url)
    await load.grow(2)
    const step = await runStep(load, {
      connections: 2,
      sampleMs: 200,
      settleMs: 500,
      clock: systemClock
    })
    const [first, second] = load.slots
    expect(first).toMatchObject({ label: 'conn_1', drops: 1, reconnections: 0, replies: 2 })
    // Before: credited only when OPEN at the end of drive, so 2 replies over 0 ms.
    expect(first.activeMs).toBeGreaterThan(0)
    expect(first.activeMs).toBeLessThan(second.activeMs)
    expect(second.activeMs).toBeLessThanOrEqual(step.figures.durationMs)
    expect(slotThroughputs(load.slots)[0]).toBeGreaterThan(0)
  }, 20_000)

  it('credits a reconnected connection only with the time it was up', async () => {
    const server = await startDroppingOnceServer(3)
    closers.push(() => server.close())
    const load = pool(server.url)
    await load.grow(2)
    await runStep(load, { connections: 2, sampleMs: 300, settleMs: 500, clock: systemClock })
    const [first, second] = load.slots
    expect(first).toMatchObject({ drops: 1, reconnections: 1 })
    expect(first.replies).toBeGreaterThanOrEqual(2)
    // Both were open before the step; the down time between drop and reconnect is not active time.
    expect(first.activeMs).toBeGreaterThan(0)
    expect(first.activeMs).toBeLessThan(second.activeMs)
  }, 20_000)

  it('counts the settle wait in the time its replies are measured over', async () => {
    // Every reply of the first connection waits 300 ms: the step's only reply arrives while settling.
    const server = await startUnfairServer(300)
    closers.push(() => server.close())
    const load = pool(server.url)
    await load.grow(1)
    const step = await runStep(load, {
      connections: 1,
      sampleMs: 100,
      settleMs: 2_000,
      clock: systemClock
    })
    const slot = load.slots[0]
    expect(slot.replies).toBe(1)
    // Before: only the 100 ms of drive counted, so settle replies came for free.
    expect(slot.activeMs).toBeGreaterThan(250)
    expect(slot.activeMs).toBeLessThanOrEqual(step.figures.durationMs)
  }, 20_000)
})
