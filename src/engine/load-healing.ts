/**
 * What a load pool does when a connection drops: counts the drop, credits
 * the uptime it had, and reopens the slot (at most maxReconnects times).
 * Under healing (chaos mode, where drops are injected faults) a drop counts
 * as healed when its slot reopened within healWithinMs and was served
 * again; the probes it had in flight went with it and are not judged.
 */
import type { Connection } from '../client/types.js'
import type { PoolCore } from './load-core.js'
import { creditUptime } from './load-metering.js'
import { connectionSchedule } from './load-probing.js'
import type { BindReplies } from './load-replies.js'
import type { LoadSlot } from './load-types.js'
import { connectWithin } from './probes.js'

/** Count bound on one drop's reopen attempts; time is the real bound (healWithinMs). */
const MAX_REOPEN_ATTEMPTS = 100
/** Count bound on the waits for reopenings at close; time (healWithinMs) is the real bound. */
const MAX_REOPEN_WAITS = 1_000

/** Watches `connection` (now `slot`'s) for a drop. */
export type WatchDrops = (slot: LoadSlot, connection: Connection) => void

export function createDropWatcher(core: PoolCore, bind: BindReplies): WatchDrops {
  const { clock, signal, healing, heal, droppedAt, awaitingServe, reopening } = core

  function watch(slot: LoadSlot, connection: Connection): void {
    void connection.closed.then((info) => {
      if (core.closing || slot.connection !== connection) return
      creditUptime(core, slot, clock.nowMs())
      slot.upSinceMs = Number.NaN
      slot.drops++
      core.totals.drops++
      slot.lastDropCode = info.code
      if (heal !== undefined) {
        // Reopened in time and dropped again by the next injected fault before it could answer:
        // the service took it back, so that drop healed; this one is judged on its own.
        if (awaitingServe.delete(slot)) heal.healed++
        droppedAt.set(slot, clock.nowMs())
        // Its probes went with it: the reopened connection starts with none in flight.
        slot.connection = undefined
        slot.inFlight = 0
        slot.carried = 0
      }
      if (slot.reconnections < core.maxReconnects && !signal.aborted) {
        const attempt: Promise<void> = reopen(slot).finally(() => reopening.delete(attempt))
        reopening.add(attempt)
      }
    })
  }

  async function reopen(slot: LoadSlot): Promise<void> {
    // Under healing a reopen the relay refused through the connector's whole retry window (its
    // refusal windows chain when other connections drop) is tried again until healWithinMs has
    // passed since the drop; bounded in time by that and in count as a backstop.
    for (let attempt = 0; attempt < MAX_REOPEN_ATTEMPTS; attempt++) {
      if (await reopenOnce(slot)) return
      const dropMs = droppedAt.get(slot)
      if (healing === undefined || dropMs === undefined || core.closing || signal.aborted) return
      if (clock.nowMs() - dropMs >= healing.healWithinMs) return
    }
  }

  /** One reopen; false when it failed (the slot stays closed). */
  async function reopenOnce(slot: LoadSlot): Promise<boolean> {
    try {
      const connection = await connectWithin(
        core.options.connect,
        { label: slot.label, record: core.options.record },
        signal
      )
      if (core.closing) {
        connection.terminate()
        return true
      }
      adopt(slot, connection)
      return true
    } catch {
      // The drop is already counted; a failed reopen leaves the slot closed.
      return false
    }
  }

  /** Puts a reopened `connection` in `slot` and notes whether it came back in time. */
  function adopt(slot: LoadSlot, connection: Connection): void {
    slot.reconnections++
    slot.connection = connection
    if (heal !== undefined) bind(slot, connection)
    slot.upSinceMs = clock.nowMs()
    // Its schedule paused while it was down (the drop is counted): restart it, no burst.
    if (slot.schedule !== undefined) {
      slot.schedule = connectionSchedule(core.options, slot.upSinceMs)
    }
    const dropMs = droppedAt.get(slot)
    droppedAt.delete(slot)
    if (healing !== undefined && dropMs !== undefined) {
      if (slot.upSinceMs - dropMs <= healing.healWithinMs) awaitingServe.set(slot, slot.sent)
    }
    watch(slot, connection)
  }

  return watch
}

/**
 * Under healing: waits (at most `withinMs`) for reopenings still under
 * way, then settles the heal figures. A slot reopened in time whose probes
 * since are all still in flight (none failed or timed out) counts as
 * healed: the drive ended before it could answer; one that failed does not.
 */
export async function awaitReopenings(core: PoolCore, withinMs: number): Promise<void> {
  const { clock, signal, heal, awaitingServe, reopening } = core
  const giveUpAtMs = clock.nowMs() + withinMs
  // Bounded in time by giveUpAtMs and in count by the reconnect limit per slot.
  for (let i = 0; i < MAX_REOPEN_WAITS && reopening.size > 0 && !signal.aborted; i++) {
    const left = giveUpAtMs - clock.nowMs()
    if (left <= 0) break
    const waiting = new AbortController()
    await Promise.race([
      Promise.all(reopening),
      clock.sleep(left, waiting.signal).catch(() => undefined)
    ])
    waiting.abort()
  }
  if (heal === undefined) return
  heal.pendingAtClose = reopening.size
  for (const [slot, sentAtReopen] of awaitingServe) {
    const open = slot.connection?.readyState === 'OPEN'
    if (open && slot.sent - sentAtReopen <= slot.inFlight) heal.healed++
  }
  awaitingServe.clear()
}
