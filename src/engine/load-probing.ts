/**
 * The load pool's probe loop: one scheduler tick (and one setImmediate
 * flush after replies) serves every connection, never a timer per
 * connection, so the client is not the bottleneck. Closed loop sends when
 * the window has room and the interval has passed; open loop sends on each
 * connection's fixed schedule (open-loop.ts) and counts a probe due while
 * the window is full as backlogged. Heartbeat pings ride the same tick.
 */
import type { Connection } from '../client/types.js'
import { TICK_MS, type PoolCore } from './load-core.js'
import { startMetering, stopMetering } from './load-metering.js'
import type { LoadPoolOptions, LoadSlot } from './load-types.js'
import { backlogError, createProbeSchedule, type ProbeSchedule } from './open-loop.js'

export interface Probing {
  /** Asks for `slot` to be served again soon (after one of its probes settled). */
  again(slot: LoadSlot): void
  drive(untilMs: number, onTick?: () => void): Promise<void>
  settle(untilMs: number): Promise<void>
}

/** One connection's open-loop schedule from `startMs`: one probe every intervalMs. */
export function connectionSchedule(options: LoadPoolOptions, startMs: number): ProbeSchedule {
  return createProbeSchedule(1000 / options.intervalMs, startMs)
}

/** Closed loop: sends one probe on `slot` now. */
function send(core: PoolCore, slot: LoadSlot, connection: Connection, now: number): void {
  slot.inFlight++
  slot.sent++
  core.totals.sent++
  slot.nextSendAtMs = now + core.options.intervalMs
  const bound = core.handlers.get(slot)
  if (bound !== undefined) connection.probe(core.probeOptions).then(bound.reply, bound.fail)
}

/** Open loop: sends the probe `slot` had due at `intendedMs`, or counts it as backlogged. */
function sendScheduled(
  core: PoolCore,
  slot: LoadSlot,
  connection: Connection,
  intendedMs: number
): void {
  const { totals } = core
  if (slot.inFlight >= core.window) {
    slot.failures++
    totals.failures++
    totals.backlogged++
    core.firstProbeError ??= backlogError(core.window, 'the window of its connection')
    return
  }
  slot.inFlight++
  slot.sent++
  totals.sent++
  const bound = core.handlers.get(slot)
  if (bound === undefined) return
  // The round trip counts from when the probe was due, not from when it could go out.
  const lateMs = core.clock.nowMs() - intendedMs
  connection.probe(core.probeOptions).then((trip) => bound.reply(trip, lateMs), bound.fail)
}

/** Sends what `slot` may send now; called per tick and after replies. */
function serve(core: PoolCore, slot: LoadSlot, now: number): void {
  const connection = slot.connection
  if (connection === undefined || connection.readyState !== 'OPEN') return
  const { options } = core
  if (options.heartbeatIntervalMs > 0 && now >= slot.nextPingAtMs) {
    slot.nextPingAtMs = now + options.heartbeatIntervalMs
    slot.pingsSent++
    connection.ping().then(
      () => slot.pongs++,
      () => undefined
    )
  }
  if (slot.schedule !== undefined) {
    slot.schedule.takeDue(now, (intendedMs) => sendScheduled(core, slot, connection, intendedMs))
    return
  }
  while (slot.inFlight < core.window && now >= slot.nextSendAtMs) {
    send(core, slot, connection, now)
  }
}

/**
 * Sends that fell due while the pool was idle (growing) would fire as one
 * burst; re-phase every slot's sends and pings from `startMs` instead.
 */
function rephase(core: PoolCore, startMs: number): void {
  const { options } = core
  for (const slot of core.slots) {
    if (options.pacing === 'open-loop') {
      slot.schedule = connectionSchedule(options, startMs + slot.phase * options.intervalMs)
    }
    if (slot.nextSendAtMs < startMs) slot.nextSendAtMs = startMs + slot.phase * options.intervalMs
    if (slot.nextPingAtMs < startMs) {
      slot.nextPingAtMs = startMs + slot.phase * options.heartbeatIntervalMs
    }
  }
}

/** Probes in flight on open connections: settling waits for them. */
function openInFlight(core: PoolCore): number {
  let total = 0
  for (const slot of core.slots) {
    if (slot.connection?.readyState === 'OPEN') total += slot.inFlight
  }
  return total
}

export function createProbing(core: PoolCore): Probing {
  const { clock, signal, slots } = core
  const ready: LoadSlot[] = []
  let flushScheduled = false

  function flush(): void {
    flushScheduled = false
    if (!core.driving) {
      ready.length = 0
      return
    }
    const now = clock.nowMs()
    for (let i = 0; i < ready.length; i++) serve(core, ready[i], now)
    ready.length = 0
  }

  function again(slot: LoadSlot): void {
    if (!core.driving) return
    ready.push(slot)
    if (!flushScheduled) {
      flushScheduled = true
      setImmediate(flush)
    }
  }

  async function drive(untilMs: number, onTick?: () => void): Promise<void> {
    core.driving = true
    const startMs = clock.nowMs()
    startMetering(core, startMs)
    rephase(core, startMs)
    try {
      while (!signal.aborted && clock.nowMs() < untilMs) {
        const now = clock.nowMs()
        for (let i = 0; i < slots.length; i++) serve(core, slots[i], now)
        onTick?.()
        try {
          await clock.sleep(Math.min(TICK_MS, Math.max(0, untilMs - now)), signal)
        } catch {
          break
        }
      }
    } finally {
      core.driving = false
    }
  }

  async function settle(untilMs: number): Promise<void> {
    try {
      while (!signal.aborted && openInFlight(core) > 0 && clock.nowMs() < untilMs) {
        try {
          await clock.sleep(TICK_MS, signal)
        } catch {
          break
        }
      }
    } finally {
      // Settle replies count in the slots' throughput, so their wait counts in its time.
      stopMetering(core)
    }
  }

  return { again, drive, settle }
}
