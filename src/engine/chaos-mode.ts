/**
 * Chaos mode (`chaos_mode: true`): the run's suites talk to the service
 * through a seeded chaos relay with the configured faults (the seed's
 * scenarios unless the config file's `chaos.*` overrides them). The seed is
 * always known, so any run can be replayed; the report carries it with the
 * injected fault counts. An optional outage window (`chaos.outage`) is
 * scheduled on the run's clock relative to the start of the suites.
 */
import { DEFAULT_FAULTS, resolveFaults, type FaultOverrides } from '../chaos/faults.js'
import { randomSeed } from '../chaos/random.js'
import { startChaosRelay, type ChaosRelay } from '../chaos/relay.js'
import type { Config } from '../config/schema.js'
import { HealthError } from '../errors.js'
import type { Clock } from '../metrics/clock.js'
import type { MetricValue } from './model.js'

/** The outage window in force: `startMs` after the suites start, for `durationMs` (both ms). */
export interface OutageWindow {
  startMs: number
  durationMs: number
}

/** The chaos-mode relay: the relay plus its scheduled outage window, if any. */
export interface ChaosModeRelay extends ChaosRelay {
  readonly outage?: Readonly<OutageWindow> & {
    /** When the outage really began, ms after the suites started; null while it has not. */
    readonly startedAfterMs: number | null
  }
}

/** The config's fault overrides with unset fields left out (so the seed's defaults apply). */
export function faultOverrides(config: Config): FaultOverrides {
  const overrides: Record<string, Record<string, unknown>> = {}
  for (const [fault, fields] of Object.entries(config.chaos)) {
    // The outage window is scheduled here, not a per-message fault of the relay.
    if (fault === 'outage' || fields === undefined) continue
    const set = Object.fromEntries(
      Object.entries(fields as Record<string, unknown>).filter(([, v]) => v !== undefined)
    )
    if (Object.keys(set).length > 0) overrides[fault] = set
  }
  return overrides as FaultOverrides
}

/**
 * Starts the relay in front of `target`, to be called just before the
 * suites start. A fault combination the relay rejects (e.g.
 * network_delay.max_ms below min_ms) is a config error. With
 * `chaos.outage`, the relay drops every connection `startMs` later and
 * refuses new ones for `durationMs` (the relay's own clock ends it, so no
 * timer outlives it); closing the relay before then cancels the outage.
 */
export async function startChaosMode(
  config: Config,
  target: string,
  clock: Clock
): Promise<ChaosModeRelay> {
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
  const relay = await startChaosRelay({
    target,
    seed: config.chaosSeed ?? randomSeed(),
    faults,
    clock,
    handshakeTimeoutMs: config.handshakeTimeoutMs
  })
  const window = config.chaos.outage
  return window ? scheduleOutage(relay, window, clock) : relay
}

function scheduleOutage(
  relay: ChaosRelay,
  window: Readonly<OutageWindow>,
  clock: Clock
): ChaosModeRelay {
  const outage = {
    startMs: window.startMs,
    durationMs: window.durationMs,
    startedAfterMs: null as number | null
  }
  const startedMs = clock.nowMs()
  const cancel = new AbortController()
  clock.sleep(window.startMs, cancel.signal).then(
    () => {
      outage.startedAfterMs = Math.round(clock.nowMs() - startedMs)
      relay.setOutage(window.durationMs)
    },
    // Aborted: the run (and the relay) ended before the window opened.
    () => undefined
  )
  const close = relay.close.bind(relay)
  // Assigned onto the relay itself so its getters (flow) stay live.
  return Object.assign(relay, {
    outage,
    async close() {
      cancel.abort()
      await close()
    }
  })
}

/**
 * The report's `chaos` block: seed, the faults in force, what was injected,
 * the outage window (when configured) and the relay's backpressure figures.
 */
export function chaosReport(relay: ChaosModeRelay): { [key: string]: MetricValue } {
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
    ...(relay.outage ? { outage: { ...relay.outage } } : {}),
    connections: { ...relay.connections },
    flow: { ...relay.flow }
  }
}
