/**
 * A pool of instrumented connections that opens at a bounded rate and keeps
 * every connection exchanging probes: the shared engine of the
 * concurrent-connections suite and stress mode. The client must not be the
 * bottleneck, so per-connection state is a handful of numbers, reply
 * handlers are bound once per connection, and sends are batched: one
 * scheduler tick (and one setImmediate flush after replies) serves every
 * connection, never a timer per connection.
 *
 * Its parts live beside it and share one state object (load-core.ts):
 * opening at a bounded rate in load-open.ts, the probe loop (closed and
 * open loop) in load-probing.ts, where settlements count in
 * load-replies.ts, drops and reopening in load-healing.ts, uptime metering
 * in load-metering.ts, and step boundaries in step-fence.ts.
 */
import { createPoolCore, openCount, type PoolCore } from './load-core.js'
import { awaitReopenings, createDropWatcher } from './load-healing.js'
import { stopMetering } from './load-metering.js'
import { createOpener } from './load-open.js'
import { createProbing } from './load-probing.js'
import { createReplyBinder } from './load-replies.js'
import type { LoadPool, LoadPoolOptions } from './load-types.js'
import { closeQuietly } from './probes.js'

export * from './load-types.js'
export { MAX_PENDING_OPENS, MAX_RECONNECTS, TICK_MS } from './load-core.js'
export { MAX_CONSECUTIVE_OPEN_FAILURES } from './load-open.js'

/** Creates an empty pool; nothing opens until `grow`. */
export function createLoadPool(options: LoadPoolOptions): LoadPool {
  const core = createPoolCore(options)
  const probing = createProbing(core)
  const bind = createReplyBinder(core, probing.again)
  const watch = createDropWatcher(core, bind)
  return {
    slots: core.slots,
    totals: core.totals,
    get firstOpenError() {
      return core.firstOpenError
    },
    get firstFdError() {
      return core.firstFdError
    },
    get firstProbeError() {
      return core.firstProbeError
    },
    get sink() {
      return core.sink
    },
    set sink(sink) {
      core.sink = sink
    },
    heal: core.heal,
    grow: createOpener(core, { bind, watch }),
    drive: probing.drive,
    settle: probing.settle,
    closeStep: (ledger) => core.fence.close(core.slots, ledger),
    setWindow: (window) => setWindow(core, window),
    openCount: () => openCount(core),
    closeAll: () => closeAll(core)
  }
}

function setWindow(core: PoolCore, window: number): void {
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`window: got ${window}; expected an integer >= 1`)
  }
  core.window = window
}

/** Ends metering, lets reopenings under healing finish (bounded), then closes every connection. */
async function closeAll(core: PoolCore): Promise<void> {
  stopMetering(core)
  if (core.healing !== undefined) await awaitReopenings(core, core.healing.healWithinMs)
  core.closing = true
  core.driving = false
  await Promise.all(
    core.slots.map((slot) => (slot.connection ? closeQuietly(slot.connection) : undefined))
  )
}
