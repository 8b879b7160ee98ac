/**
 * Probes still in flight when a ramp step ends are reported as unanswered
 * at close, never lost, and a late reply counts in the step that sent the
 * probe, not in the step it happens to arrive in. Real sockets against a
 * service that answers every message after a fixed delay.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import type { LoadPool } from '../../src/engine/load-pool.js'
import { runStep } from '../../src/engine/ramp.js'
import { systemClock } from '../../src/metrics/clock.js'
import { startTestPool } from '../fixtures/load-pool.js'
import { startSlowServer } from '../fixtures/faulty-servers.js'

/** How long the service holds each reply (ms): far longer than the first step lasts. */
const REPLY_DELAY_MS = 1_000

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

function pool(url: string): LoadPool {
  return startTestPool(url, closers, { timeoutMs: 30_000 })
}

describe('probes in flight at the end of a step', () => {
  it('are unanswered at close in their step, and their late replies count there', async () => {
    const server = await startSlowServer(REPLY_DELAY_MS)
    closers.push(() => server.close())
    const load = pool(server.url)
    await load.grow(1)
    // No settle: the step ends while its probe waits for the delayed reply.
    const first = await runStep(load, {
      connections: 1,
      sampleMs: 150,
      settleMs: 0,
      clock: systemClock
    })
    expect(first.figures.sent).toBeGreaterThanOrEqual(1)
    expect(first.figures.replies).toBe(0)
    expect(first.figures.unansweredAtClose).toBe(first.figures.sent)
    expect(first.figures.lateReplies).toBe(0)
    // The next step runs past the delayed reply and settles its own probes.
    const second = await runStep(load, {
      connections: 1,
      sampleMs: REPLY_DELAY_MS + 500,
      settleMs: 4 * REPLY_DELAY_MS,
      clock: systemClock
    })
    // The first step's probe was answered during the second: it counts in the first step.
    expect(first.figures.lateReplies).toBe(first.figures.sent)
    expect(second.figures.sent).toBeGreaterThanOrEqual(1)
    expect(second.figures.replies).toBe(second.figures.sent)
    expect(second.rtts.length).toBe(second.figures.replies)
    expect(second.figures.unansweredAtClose).toBe(0)
    expect(second.figures.lateReplies).toBe(0)
  }, 30_000)
})
