/**
 * Where a load pool's probe settlements count: a reply adds to its slot,
 * the totals and the sink; a timeout or failure to theirs. Settlements of
 * probes a closed step carried go to that step (step-fence.ts), and under
 * healing a probe lost with its dropped connection is not judged (the drop
 * is, by whether it healed). Handlers are built once per connection, not
 * per message (STYLE.md §5).
 */
import type { Connection, RoundTrip } from '../client/types.js'
import { isHealthError } from '../errors.js'
import type { PoolCore } from './load-core.js'
import type { LoadSlot } from './load-types.js'

/** Binds `slot`'s settlement handlers to `connection`. */
export type BindReplies = (slot: LoadSlot, connection: Connection) => void

function countReply(core: PoolCore, slot: LoadSlot, trip: RoundTrip, lateMs: number): void {
  slot.inFlight--
  slot.replies++
  core.totals.replies++
  const rttMs = trip.rttMs + lateMs
  slot.rttSumMs += rttMs
  if (rttMs > slot.rttMaxMs) slot.rttMaxMs = rttMs
  if (core.heal !== undefined && core.awaitingServe.delete(slot)) core.heal.healed++
  const sink = core.sink
  if (sink !== undefined) {
    sink.rtts.add(rttMs)
    sink.times?.add(core.clock.nowMs())
  }
}

function countFailure(core: PoolCore, slot: LoadSlot, error: unknown): void {
  slot.inFlight--
  if (isHealthError(error) && error.code === 'WSH_ERR_MESSAGE_TIMEOUT') {
    slot.timeouts++
    core.totals.timeouts++
  } else {
    slot.failures++
    core.totals.failures++
    core.firstProbeError ??= error
  }
}

/** `again` asks for the slot to be served once a probe settled (load-probing.ts). */
export function createReplyBinder(core: PoolCore, again: (slot: LoadSlot) => void): BindReplies {
  const { fence } = core
  return (slot, connection) => {
    core.handlers.set(slot, {
      reply(trip, lateMs = 0) {
        // Under healing, a late answer on a connection that dropped went with the drop.
        if (core.heal !== undefined && slot.connection !== connection) {
          core.heal.lostToDrops++
          return
        }
        if (fence.settledLate(slot, trip.rttMs)) return again(slot)
        countReply(core, slot, trip, lateMs)
        again(slot)
      },
      fail(error) {
        // Under chaos a probe in flight when its connection dropped went with the injected drop:
        // it is not judged (the drop is, by whether it healed), nor resent.
        // (It may settle before the drop is seen: the connection is then no longer open.)
        if (
          core.heal !== undefined &&
          (slot.connection !== connection || connection.readyState !== 'OPEN')
        ) {
          if (slot.connection === connection) slot.inFlight--
          core.heal.lostToDrops++
          return
        }
        if (fence.settledLate(slot, undefined)) return again(slot)
        countFailure(core, slot, error)
        again(slot)
      }
    })
  }
}
