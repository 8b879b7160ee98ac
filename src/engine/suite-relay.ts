/**
 * A relay a suite puts in front of its target to break connections on
 * purpose (self-healing's kills and outage): faithful, with no fault of its
 * own, controlled through dropAll() and setOutage(). Not the run's fault
 * relay; its target is the suites' target, which may itself be that relay.
 */
import { NO_FAULTS } from '../chaos/faults.js'
import { startChaosRelay, type ChaosRelay } from '../chaos/relay.js'
import { messageCapBytes } from '../client/message-cap.js'
import type { Config } from '../config/schema.js'
import type { Clock } from '../metrics/clock.js'

/** A relay a suite controls: dropAll() and setOutage() break its connections on demand. */
export type SuiteRelay = ChaosRelay

/** Starts a faithful relay in front of `target` (ws:// URL) on a loopback port. */
export function startSuiteRelay(config: Config, target: string, clock: Clock): Promise<SuiteRelay> {
  return startChaosRelay({
    target,
    base: NO_FAULTS,
    clock,
    seed: runSeed(config, 0),
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    maxPayload: messageCapBytes(config)
  })
}

/**
 * The run's seed (chaos_seed) for what a suite draws at random (e.g. backoff
 * jitter), or `fallback` when none is set, so a run replays from its seed.
 */
export function runSeed(config: Config, fallback: number): number {
  return config.chaosSeed ?? fallback
}
