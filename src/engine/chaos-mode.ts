/**
 * Chaos mode (`chaos_mode: true`): the run's suites talk to the service
 * through a seeded chaos relay with the configured faults (the seed's
 * scenarios unless the config file's `chaos.*` overrides them). The seed is
 * always known, so any run can be replayed; the report carries it with the
 * injected fault counts.
 */
import { DEFAULT_FAULTS, resolveFaults, type FaultOverrides } from '../chaos/faults.js'
import { randomSeed } from '../chaos/random.js'
import { startChaosRelay, type ChaosRelay } from '../chaos/relay.js'
import type { Config } from '../config/schema.js'
import { HealthError } from '../errors.js'
import type { Clock } from '../metrics/clock.js'
import type { MetricValue } from './model.js'

/** The config's fault overrides with unset fields left out (so the seed's defaults apply). */
export function faultOverrides(config: Config): FaultOverrides {
  const overrides: Record<string, Record<string, unknown>> = {}
  for (const [fault, fields] of Object.entries(config.chaos)) {
    const set = Object.fromEntries(
      Object.entries(fields as Record<string, unknown>).filter(([, v]) => v !== undefined)
    )
    if (Object.keys(set).length > 0) overrides[fault] = set
  }
  return overrides as FaultOverrides
}

/**
 * Starts the relay in front of `target`. A fault combination the relay
 * rejects (e.g. network_delay.max_ms below min_ms) is a config error.
 */
export async function startChaosMode(
  config: Config,
  target: string,
  clock: Clock
): Promise<ChaosRelay> {
  const faults = faultOverrides(config)
  try {
    resolveFaults(faults, DEFAULT_FAULTS)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new HealthError(
      'WSH_ERR_CONFIG',
      `chaos (config file): ${message.replace(/^faults\./, '')}`
    )
  }
  return startChaosRelay({
    target,
    seed: config.chaosSeed ?? randomSeed(),
    faults,
    clock,
    handshakeTimeoutMs: config.handshakeTimeoutMs
  })
}

/** The report's `chaos` block: seed, the faults in force and what was injected. */
export function chaosReport(relay: ChaosRelay): { [key: string]: MetricValue } {
  const f = relay.faults
  return {
    seed: relay.seed,
    injected: { ...relay.injected },
    faults: {
      randomDisconnect: { ...f.randomDisconnect },
      networkDelay: { ...f.networkDelay },
      messageLoss: { ...f.messageLoss },
      slowResponse: { ...f.slowResponse },
      bandwidth: { ...f.bandwidth }
    },
    connections: { ...relay.connections }
  }
}
