/**
 * The state a load pool's parts share: its options (checked once), the
 * slots and totals, the step fence, the healing records and the few flags
 * that change as the pool grows, drives and closes. One object passed to
 * each part (opening, probing, replies, healing, metering), so load-pool.ts
 * only wires them together and no part keeps a copy that could go stale.
 */
import { setMaxListeners } from 'node:events'
import type { ProbeOptions, RoundTrip } from '../client/types.js'
import type { Clock } from '../metrics/clock.js'
import type { HealFigures, LoadPool, LoadPoolOptions, LoadSlot, PoolTotals } from './load-types.js'
import { createStepFence, type StepFence } from './step-fence.js'

/** Period of the scheduler that paces probes and heartbeats, in ms. */
export const TICK_MS = 5
/** Handshakes in flight at once while opening, whatever the open rate. */
export const MAX_PENDING_OPENS = 256
/** Reconnections per connection after a drop; bounded so a flapping service cannot loop us. */
export const MAX_RECONNECTS = 3

/** A slot's settlement handlers, bound once per connection (STYLE.md §5). */
export interface SlotHandlers {
  reply(trip: RoundTrip, lateMs?: number): void
  fail(error: unknown): void
}

export interface PoolCore {
  readonly options: LoadPoolOptions
  readonly clock: Clock
  readonly signal: AbortSignal
  readonly slots: LoadSlot[]
  readonly totals: PoolTotals
  readonly probeOptions: ProbeOptions
  /** Probes in flight per connection: options.window until LoadPool.setWindow changes it. */
  window: number
  /** Probes in flight when a step closes stay that step's (step-fence.ts). */
  readonly fence: StepFence
  readonly handlers: Map<LoadSlot, SlotHandlers>
  /** Chaos mode's healing settings; undefined otherwise. */
  readonly healing: LoadPoolOptions['healing']
  readonly maxReconnects: number
  /** Healing figures, present exactly when `healing` is set. */
  readonly heal: HealFigures | undefined
  /** Under healing: when each down slot dropped. */
  readonly droppedAt: Map<LoadSlot, number>
  /** Under healing: for each slot reopened in time, its `sent` then. */
  readonly awaitingServe: Map<LoadSlot, number>
  /** Reopenings under way. */
  readonly reopening: Set<Promise<void>>
  sink: LoadPool['sink']
  /** True while drive runs: settlements then ask for more sends. */
  driving: boolean
  /** True once closeAll began: late opens are terminated, drops no longer count. */
  closing: boolean
  firstOpenError: unknown
  firstFdError: unknown
  firstProbeError: unknown
  /** Index of the next connection to open (labels are 1-based on it). */
  nextIndex: number
  /** Start of the metering window (drive + settle), NaN outside it. */
  meterFromMs: number
}

function checkOptions(options: LoadPoolOptions): void {
  const { openRatePerSec, window, intervalMs, heartbeatIntervalMs, timeoutMs } = options
  if (!(openRatePerSec > 0)) {
    throw new RangeError(`openRatePerSec: got ${openRatePerSec}; expected a number > 0`)
  }
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`window: got ${window}; expected an integer >= 1`)
  }
  for (const [name, value] of [
    ['intervalMs', intervalMs],
    ['heartbeatIntervalMs', heartbeatIntervalMs]
  ] as const) {
    if (!(value >= 0)) throw new RangeError(`${name}: got ${value}; expected a number >= 0`)
  }
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs: got ${timeoutMs}; expected ms > 0`)
  if (options.pacing === 'open-loop' && !(intervalMs > 0)) {
    throw new RangeError(`intervalMs: got ${intervalMs}; an open-loop schedule needs ms > 0`)
  }
  const healing = options.healing
  if (healing !== undefined) {
    if (!(healing.healWithinMs >= 0)) {
      throw new RangeError(`healing.healWithinMs: got ${healing.healWithinMs}; expected ms >= 0`)
    }
    if (!Number.isInteger(healing.maxReconnects) || healing.maxReconnects < 0) {
      throw new RangeError(
        `healing.maxReconnects: got ${healing.maxReconnects}; expected an integer >= 0`
      )
    }
  }
}

/** Checks options (throws RangeError naming a bad one) and builds an empty pool's state. */
export function createPoolCore(options: LoadPoolOptions): PoolCore {
  checkOptions(options)
  const { clock, signal, healing } = options
  // Every pending handshake and the scheduler's sleep listen on the signal; that many is expected.
  setMaxListeners(MAX_PENDING_OPENS + 16, signal)
  return {
    options,
    clock,
    signal,
    slots: [],
    totals: {
      sent: 0,
      replies: 0,
      timeouts: 0,
      failures: 0,
      backlogged: 0,
      drops: 0,
      openAttempts: 0,
      openFailures: 0,
      fdFailures: 0
    },
    probeOptions: { kind: options.kind, bytes: options.bytes, timeoutMs: options.timeoutMs },
    window: options.window,
    fence: createStepFence(clock),
    handlers: new Map(),
    healing,
    maxReconnects: healing?.maxReconnects ?? MAX_RECONNECTS,
    heal: healing ? { healed: 0, lostToDrops: 0, pendingAtClose: 0 } : undefined,
    droppedAt: new Map(),
    awaitingServe: new Map(),
    reopening: new Set(),
    sink: undefined,
    driving: false,
    closing: false,
    firstOpenError: undefined,
    firstFdError: undefined,
    firstProbeError: undefined,
    nextIndex: 0,
    meterFromMs: Number.NaN
  }
}

/** Connections open now. */
export function openCount(core: PoolCore): number {
  let open = 0
  for (const slot of core.slots) if (slot.connection?.readyState === 'OPEN') open++
  return open
}
