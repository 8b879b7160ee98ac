/**
 * Chaos mode (`chaos_mode: true`): the run's suites talk to the service
 * through a seeded chaos relay with the config's faults (`chaos.*`, whose
 * schema defaults are the seed's scenarios). The seed is
 * always known, so any run can be replayed; the report carries it with the
 * injected fault counts. An optional outage window (`chaos.outage`) is
 * scheduled on the run's clock relative to the start of the suites.
 */
import { resolveFaults, type FaultConfig } from '../chaos/faults.js'
import { randomSeed } from '../chaos/random.js'
import { startChaosRelay, type ChaosRelay } from '../chaos/relay.js'
import { messageCapBytes } from '../client/message-cap.js'
import type { Connect, ConnectionOptions } from '../client/types.js'
import type { Config } from '../config/schema.js'
import { redactUrl } from '../config/redact.js'
import { HealthError, isHealthError } from '../errors.js'
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

/** The complete fault settings of a parsed config (the outage window is scheduled apart). */
export function configFaults(config: Config): FaultConfig {
  const { randomDisconnect, networkDelay, messageLoss, slowResponse, bandwidth } = config.chaos
  return { randomDisconnect, networkDelay, messageLoss, slowResponse, bandwidth }
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
  let faults: FaultConfig
  try {
    faults = resolveFaults({}, configFaults(config))
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
    base: faults,
    clock,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    maxPayload: messageCapBytes(config)
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

/** First pause between retries (ms); it doubles up to CHAOS_CONNECT_MAX_BACKOFF_MS. */
export const CHAOS_CONNECT_INITIAL_BACKOFF_MS = 25
export const CHAOS_CONNECT_MAX_BACKOFF_MS = 250

export interface ChaosConnectorOptions {
  /** The run's connector, bound to the relay's URL. */
  connect: Connect
  /** The relay's URL, as it appears in the connector's errors. */
  relayUrl: string
  /** The service behind the relay, named in errors instead of the relay. */
  target: string
  clock: Clock
  /** Retry refused connects for this long (ms) after the first attempt (>= 0). */
  retryWindowMs: number
}

/**
 * The Connect suites get under chaos mode. A connect the relay refuses
 * (HTTP 503 while its reconnect delay or outage window runs, or a
 * refused/reset socket) is an injected fault, not the service's answer, so
 * it is retried with a doubling pause until `retryWindowMs` has passed or
 * ConnectionOptions.signal aborts. Any other failure (e.g. 502: the service
 * behind the relay refused) is returned at once. Errors name the target
 * "through the chaos relay" instead of the relay's own loopback URL.
 */
export function createChaosConnector(options: ChaosConnectorOptions): Connect {
  const { connect, clock, retryWindowMs } = options
  if (!Number.isFinite(retryWindowMs) || retryWindowMs < 0) {
    throw new RangeError(`retryWindowMs: got ${retryWindowMs}; expected ms >= 0`)
  }
  const target = redactUrl(options.target)
  const relayUrl = redactUrl(options.relayUrl)
  return async (connectionOptions: ConnectionOptions = {}) => {
    const { signal } = connectionOptions
    const giveUpAtMs = clock.nowMs() + retryWindowMs
    let pauseMs = CHAOS_CONNECT_INITIAL_BACKOFF_MS
    let attempts = 0
    // Bounded in time by giveUpAtMs; the count bound is a backstop for a clock that stands still.
    const maxAttempts = Math.ceil(retryWindowMs / CHAOS_CONNECT_INITIAL_BACKOFF_MS) + 1
    for (;;) {
      attempts++
      try {
        return await connect(connectionOptions)
      } catch (error) {
        const left = giveUpAtMs - clock.nowMs()
        if (!refusedByFault(error) || left <= 0 || attempts >= maxAttempts || signal?.aborted) {
          throw throughRelay(error, target, relayUrl, attempts)
        }
        try {
          await clock.sleep(Math.min(pauseMs, left), signal)
        } catch {
          throw throughRelay(error, target, relayUrl, attempts)
        }
        pauseMs = Math.min(pauseMs * 2, CHAOS_CONNECT_MAX_BACKOFF_MS)
      }
    }
  }
}

/** The relay's fault windows answer 503; a reset or refused socket is a dropped attempt. */
function refusedByFault(error: unknown): boolean {
  if (!isHealthError(error)) return false
  if (error.code === 'WSH_ERR_HANDSHAKE_REJECTED') {
    return (error as HealthError & { status?: number }).status === 503
  }
  return error.code === 'WSH_ERR_CONNECT'
}

/** The same error (code, status, cause) naming the target through the relay. */
function throughRelay(error: unknown, target: string, relayUrl: string, attempts: number): unknown {
  if (!isHealthError(error)) return error
  const named = error.message.includes(relayUrl)
    ? error.message.split(relayUrl).join(`${target} through the chaos relay`)
    : `${error.message} (${target} through the chaos relay)`
  const retried = attempts > 1 ? ` (${attempts} attempts)` : ''
  const wrapped = new HealthError(error.code, `${named}${retried}`, { cause: error })
  const status = (error as HealthError & { status?: number }).status
  if (status !== undefined) Object.assign(wrapped, { status })
  return wrapped
}
