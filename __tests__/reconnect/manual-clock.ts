/**
 * A Clock for tests whose time moves only when the test says so.
 * `autoAdvance: true`: every sleep(ms) is recorded, runs the optional
 * `beforeWake` hook, then moves time forward by ms and resolves on the next
 * macrotask (so socket I/O still gets its turn). Otherwise sleeps resolve
 * when advance() passes their deadline.
 */
import type { Clock } from '../../src/metrics/clock.js'

export interface ManualClock extends Clock {
  /** Moves time forward (ms) and wakes due sleepers. */
  advance(ms: number): void
  /** Every sleep requested, ms, in order. */
  readonly sleeps: number[]
  /** Runs before an auto-advanced sleep wakes (e.g. restart a server once the breaker opened). */
  beforeWake?: (ms: number) => Promise<void> | void
}

export function createManualClock(
  options: { autoAdvance?: boolean; startMs?: number } = {}
): ManualClock {
  let nowMs = options.startMs ?? 1_000
  const waiting: Array<{ atMs: number; resolve: () => void }> = []
  const clock: ManualClock = {
    sleeps: [],
    now: () => BigInt(Math.round(nowMs * 1e6)),
    nowMs: () => nowMs,
    advance(ms) {
      nowMs += ms
      for (const sleeper of waiting.filter((s) => s.atMs <= nowMs)) {
        waiting.splice(waiting.indexOf(sleeper), 1)
        sleeper.resolve()
      }
    },
    async sleep(ms, signal) {
      clock.sleeps.push(ms)
      if (signal?.aborted) throw signal.reason
      if (options.autoAdvance) {
        await clock.beforeWake?.(ms)
        await new Promise((resolve) => setImmediate(resolve))
        if (signal?.aborted) throw signal.reason
        nowMs += ms
        return
      }
      await new Promise<void>((resolve, reject) => {
        const entry = { atMs: nowMs + ms, resolve }
        waiting.push(entry)
        signal?.addEventListener(
          'abort',
          () => {
            const i = waiting.indexOf(entry)
            if (i >= 0) waiting.splice(i, 1)
            reject(signal.reason)
          },
          { once: true }
        )
      })
    }
  }
  return clock
}
