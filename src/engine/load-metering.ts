/**
 * Each slot's activeMs: the time its connection was up while the pool
 * metered traffic (drive and the settle after it), the time its throughput
 * is measured over. Uptime is credited on every drop and when metering ends,
 * so a slot that dropped keeps the time it was up and a reopened one gains
 * only its new uptime.
 */
import type { PoolCore } from './load-core.js'
import type { LoadSlot } from './load-types.js'

/** Opens the metering window at `nowMs` unless one is already open. */
export function startMetering(core: PoolCore, nowMs: number): void {
  if (Number.isNaN(core.meterFromMs)) core.meterFromMs = nowMs
}

/** Credits `slot`'s uncredited uptime inside the metering window up to `nowMs`. */
export function creditUptime(core: PoolCore, slot: LoadSlot, nowMs: number): void {
  if (Number.isNaN(slot.upSinceMs)) return
  if (!Number.isNaN(core.meterFromMs))
    slot.activeMs += Math.max(0, nowMs - Math.max(slot.upSinceMs, core.meterFromMs))
  slot.upSinceMs = nowMs
}

/** Closes the metering window, crediting every slot's uptime up to now. */
export function stopMetering(core: PoolCore): void {
  if (Number.isNaN(core.meterFromMs)) return
  const nowMs = core.clock.nowMs()
  for (const slot of core.slots) creditUptime(core, slot, nowMs)
  core.meterFromMs = Number.NaN
}
