/**
 * How a load pool grows: connections open at a bounded rate (a token
 * bucket of openRatePerSec, at most MAX_PENDING_OPENS handshakes in
 * flight), and growing stops early when the service keeps refusing, when
 * this process runs out of descriptors (its limit, not the service's), or
 * when time runs out.
 */
import type { Connection } from '../client/types.js'
import { isFdExhausted } from './fd-limit.js'
import { MAX_PENDING_OPENS, openCount, TICK_MS, type PoolCore } from './load-core.js'
import { stopMetering } from './load-metering.js'
import type { WatchDrops } from './load-healing.js'
import type { BindReplies } from './load-replies.js'
import type { GrowResult, LoadPool, LoadSlot } from './load-types.js'
import { connectWithin } from './probes.js'

/** A service that refused this many opens in a row will not accept the rest: stop trying. */
export const MAX_CONSECUTIVE_OPEN_FAILURES = 20
const GOLDEN = 0.6180339887

type OpenOutcome = 'opened' | 'failed' | 'fd' | 'cut'

export interface OpenerParts {
  bind: BindReplies
  /** Watches a new slot's connection for drops (load-healing.ts). */
  watch: WatchDrops
}

/** A fresh slot for the `index`-th connection, opened at `now`. */
function newSlot(connection: Connection, index: number, now: number): LoadSlot {
  return {
    label: connection.label,
    connection,
    openedAtMs: now,
    sent: 0,
    replies: 0,
    timeouts: 0,
    failures: 0,
    rttSumMs: 0,
    rttMaxMs: 0,
    inFlight: 0,
    carried: 0,
    nextSendAtMs: now,
    nextPingAtMs: now,
    pingsSent: 0,
    pongs: 0,
    drops: 0,
    reconnections: 0,
    lastDropCode: 0,
    activeMs: 0,
    upSinceMs: now,
    // Golden-ratio phases spread sends over one interval, so paced
    // connections never fire in lockstep bursts the client itself caused.
    phase: (index * GOLDEN) % 1
  }
}

/** 'opened', 'failed' (the service refused or failed), 'fd' (EMFILE/ENFILE here) or 'cut' (closing or aborted). */
async function openOne(core: PoolCore, parts: OpenerParts, index: number): Promise<OpenOutcome> {
  const { options, signal, totals } = core
  totals.openAttempts++
  try {
    const connection = await connectWithin(
      options.connect,
      { label: `${options.labelPrefix}${index + 1}`, record: options.record },
      signal
    )
    if (core.closing) {
      connection.terminate()
      return 'cut'
    }
    const slot = newSlot(connection, index, core.clock.nowMs())
    parts.bind(slot, connection)
    core.slots.push(slot)
    parts.watch(slot, connection)
    return 'opened'
  } catch (error) {
    // Cut by the deadline is not a refusal by the service.
    if (signal.aborted) return 'cut'
    // Running out of descriptors is this process's limit: it must not
    // count as the service refusing (nor feed a step's error rate).
    if (isFdExhausted(error)) {
      totals.fdFailures++
      core.firstFdError ??= error
      return 'fd'
    }
    totals.openFailures++
    core.firstOpenError ??= error
    return 'failed'
  }
}

/** The pool's `grow` over `core`. */
export function createOpener(core: PoolCore, parts: OpenerParts): LoadPool['grow'] {
  const { clock, signal, options } = core
  return async function grow(total, onOpened, untilMs = Infinity) {
    const result: GrowResult = {
      open: 0,
      attempted: 0,
      failed: 0,
      fdFailed: 0,
      fdExhausted: false,
      outOfTime: false
    }
    stopMetering(core)
    const startMs = clock.nowMs()
    const pending = new Set<Promise<void>>()
    let consecutiveFailures = 0
    let started = 0
    let stop = false
    const wanted = Math.max(0, total - core.slots.length)

    function tally(outcome: OpenOutcome): void {
      if (outcome === 'opened') {
        consecutiveFailures = 0
        onOpened?.(core.slots.length)
        return
      }
      if (outcome === 'cut') return
      if (outcome === 'fd') {
        result.fdFailed++
        result.fdExhausted = true
        stop = true
        return
      }
      result.failed++
      consecutiveFailures++
      if (consecutiveFailures >= MAX_CONSECUTIVE_OPEN_FAILURES) stop = true
    }

    while (!stop && started < wanted && !signal.aborted && clock.nowMs() < untilMs) {
      // Token bucket: at most openRatePerSec per second since growing began.
      const allowed = Math.floor(((clock.nowMs() - startMs) * options.openRatePerSec) / 1000) + 1
      let batch = Math.min(allowed - started, wanted - started, MAX_PENDING_OPENS - pending.size)
      while (batch-- > 0) {
        const index = core.nextIndex++
        started++
        result.attempted++
        const attempt: Promise<void> = openOne(core, parts, index).then((outcome) => {
          pending.delete(attempt)
          tally(outcome)
        })
        pending.add(attempt)
      }
      try {
        await clock.sleep(TICK_MS, signal)
      } catch {
        break
      }
    }
    result.outOfTime = !stop && started < wanted && !signal.aborted
    // Bounded: each attempt settles within the handshake timeout or at abort.
    await Promise.all(pending)
    result.open = openCount(core)
    return result
  }
}
