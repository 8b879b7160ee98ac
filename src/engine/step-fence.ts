/**
 * The boundary between a load pool's ramp steps: probes still in flight
 * when a step closes belong to that step (unanswered at close), and their
 * later settlements must land there too, not in the step running when they
 * arrive. Kept apart from the pool's probe loop (load-probing.ts).
 */
import type { Clock } from '../metrics/clock.js'
import type { LoadSlot } from './load-types.js'

/** Where a closed step counts the replies that arrive after it closed. */
export interface StepLedger {
  lateReplies: number
}

export interface StepFence {
  /**
   * Closes the current step: marks every open slot's in-flight probes as
   * carried and returns how many there are (the step's unanswered at close).
   */
  close(slots: readonly LoadSlot[], ledger: StepLedger): number
  /**
   * True when this settlement is a carried probe's (then counted: a reply,
   * `rttMs` given, in the closed step's ledger; a timeout or failure nothing
   * more) and the slot's in-flight count was released; false when it
   * belongs to the current step.
   */
  settledLate(slot: LoadSlot, rttMs: number | undefined): boolean
}

export function createStepFence(clock: Clock): StepFence {
  let ledger: StepLedger | undefined
  let closedAtMs = Number.NEGATIVE_INFINITY
  return {
    close(slots, closing) {
      ledger = closing
      closedAtMs = clock.nowMs()
      let carried = 0
      for (const slot of slots) {
        slot.carried = slot.connection?.readyState === 'OPEN' ? slot.inFlight : 0
        carried += slot.carried
      }
      return carried
    },
    settledLate(slot, rttMs) {
      if (slot.carried === 0 || slot.inFlight === 0) return false
      // A reply to a probe sent after the close is the current step's (send time = now - RTT);
      // timeouts fire in send order, so a timeout while probes are carried is a carried one.
      if (rttMs !== undefined && clock.nowMs() - rttMs >= closedAtMs) return false
      slot.carried--
      slot.inFlight--
      if (rttMs !== undefined && ledger !== undefined) ledger.lateReplies++
      return true
    }
  }
}
