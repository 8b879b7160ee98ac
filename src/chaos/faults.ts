/**
 * The chaos relay's fault settings and their validation. Probabilities are
 * per relayed data message unless noted. The defaults (the seed's scenarios)
 * live in the config schema only; a caller passes the complete settings.
 */

import type { Direction, FaultConfig, FaultOverrides } from '../core/fault-config.js'

export type { Direction, FaultConfig, FaultOverrides }

/** Every fault off: the relay forwards faithfully (used to check the relay itself). */
export const NO_FAULTS: Readonly<FaultConfig> = Object.freeze({
  randomDisconnect: { probability: 0, reconnectDelayMs: 0 },
  networkDelay: { probability: 0, minMs: 0, maxMs: 0 },
  messageLoss: { probability: 0, direction: 'both' as const },
  slowResponse: { probability: 0, delayMs: 0 },
  bandwidth: { bytesPerSecond: 0 }
})

/**
 * Upper bound of any single added delay (ms): keeps a misconfigured relay from
 * holding a message past the run's deadline and keeps every timer bounded.
 */
export const MAX_FAULT_DELAY_MS = 60_000

function probability(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`faults.${name}: got ${value}; expected a probability from 0 to 1`)
  }
}

function delay(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || value > MAX_FAULT_DELAY_MS) {
    throw new RangeError(
      `faults.${name}: got ${value}; expected ms from 0 to ${MAX_FAULT_DELAY_MS}`
    )
  }
}

/**
 * Merges overrides onto `base` (the complete settings: a parsed config's
 * chaos faults, or NO_FAULTS) and validates the result; throws RangeError
 * naming the bad option.
 */
export function resolveFaults(
  overrides: FaultOverrides | undefined,
  base: Readonly<FaultConfig>
): FaultConfig {
  // A JavaScript caller may leave `base` out: name it rather than fail on a property read.
  if ((base as Readonly<FaultConfig> | undefined) === undefined) {
    throw new RangeError(
      "base: got undefined; expected the complete fault settings (a parsed config's chaos faults, or NO_FAULTS)"
    )
  }
  overrides ??= {}
  const faults: FaultConfig = {
    randomDisconnect: { ...base.randomDisconnect, ...overrides.randomDisconnect },
    networkDelay: { ...base.networkDelay, ...overrides.networkDelay },
    messageLoss: { ...base.messageLoss, ...overrides.messageLoss },
    slowResponse: { ...base.slowResponse, ...overrides.slowResponse },
    bandwidth: { ...base.bandwidth, ...overrides.bandwidth }
  }
  probability('randomDisconnect.probability', faults.randomDisconnect.probability)
  delay('randomDisconnect.reconnectDelayMs', faults.randomDisconnect.reconnectDelayMs)
  probability('networkDelay.probability', faults.networkDelay.probability)
  delay('networkDelay.minMs', faults.networkDelay.minMs)
  delay('networkDelay.maxMs', faults.networkDelay.maxMs)
  if (faults.networkDelay.maxMs < faults.networkDelay.minMs) {
    throw new RangeError(
      `faults.networkDelay.maxMs: got ${faults.networkDelay.maxMs}; expected >= networkDelay.minMs (${faults.networkDelay.minMs})`
    )
  }
  probability('messageLoss.probability', faults.messageLoss.probability)
  const directions = ['both', 'client-to-server', 'server-to-client']
  if (!directions.includes(faults.messageLoss.direction)) {
    throw new RangeError(
      `faults.messageLoss.direction: got ${String(faults.messageLoss.direction)}; expected one of ${directions.join(', ')}`
    )
  }
  probability('slowResponse.probability', faults.slowResponse.probability)
  delay('slowResponse.delayMs', faults.slowResponse.delayMs)
  const bps = faults.bandwidth.bytesPerSecond
  if (!Number.isFinite(bps) || bps < 0) {
    throw new RangeError(
      `faults.bandwidth.bytesPerSecond: got ${bps}; expected a number >= 0 (0 = unlimited)`
    )
  }
  return faults
}

/** What the planner decided for one data message. */
export interface FaultDecision {
  direction: Direction
  /** Drop both legs abruptly instead of forwarding. */
  disconnect: boolean
  /** Drop this message. */
  lose: boolean
  /** Added latency in ms (0 when none). */
  delayMs: number
  /** Extra slow-response delay in ms (server-to-client only; 0 when none). */
  slowMs: number
}

/**
 * Decides the faults for each data message from a random source. Exactly
 * four draws per message, in a fixed order (disconnect, loss, delay, slow),
 * whatever the outcome or direction, so the same seed and the same message
 * sequence always give the same decisions.
 */
export function createFaultPlanner(
  faults: FaultConfig,
  random: () => number
): (direction: Direction) => FaultDecision {
  return (direction) => {
    const rDisconnect = random()
    const rLoss = random()
    const rDelay = random()
    const rSlow = random()
    const { networkDelay, messageLoss, slowResponse, randomDisconnect } = faults
    const disconnect = rDisconnect < randomDisconnect.probability
    const lossApplies = messageLoss.direction === 'both' || messageLoss.direction === direction
    const lose = !disconnect && lossApplies && rLoss < messageLoss.probability
    // The delay amount reuses the draw's position inside the probability band,
    // so it costs no extra draw and stays uniform over [minMs, maxMs].
    const delayed = rDelay < networkDelay.probability
    const span = networkDelay.maxMs - networkDelay.minMs
    const delayMs = delayed
      ? Math.round(networkDelay.minMs + (rDelay / networkDelay.probability) * span)
      : 0
    const slowMs =
      direction === 'server-to-client' && rSlow < slowResponse.probability
        ? slowResponse.delayMs
        : 0
    return { direction, disconnect, lose, delayMs, slowMs }
  }
}
