/**
 * Whether the service still accepts connections: asked after a suite that
 * failed and after the protocol-violation probes, so a service that went
 * down mid-run (it crashed, was killed, or one client took it down) is
 * reported once, with WSH_ERR_SERVICE_DOWN, and the rest of the run is
 * `not-run` with that cause instead of a page of refused connections.
 */
import { openWsSocket, type OpenSocket } from '../client/socket-opener.js'
import type { Config } from '../config/schema.js'
import { describeError } from '../errors.js'
import type { Clock } from '../metrics/clock.js'
import { notRun } from './checks.js'
import { pause } from './deadline.js'
import type { Check, SuiteId, SuiteResult } from './model.js'

/**
 * How long the service gets to accept a new connection (ms). A service that
 * self-healing just restarted, or that is reloading, is back well within it;
 * one that is still refusing after it is down.
 */
export const SERVICE_UP_WINDOW_MS = 5_000
/** Pause between tries (ms): a refused connect fails at once, so the window holds about 20 tries. */
export const SERVICE_UP_RETRY_MS = 250
/** Upper bound on tries in one window, whatever the clock says: keeps the loop bounded in count. */
const MAX_TRIES = 100

export const SERVICE_DOWN_CHECK = {
  id: 'service-accepts-connections',
  title: 'service still accepts connections'
} as const

/** The outcome of asking whether the service accepts a connection. */
export type ServiceUp = { up: true } | { up: false; error: unknown }

/** Asks, within SERVICE_UP_WINDOW_MS, whether the service accepts a new connection; never rejects. */
export type ServiceProbe = (signal?: AbortSignal) => Promise<ServiceUp>

/** Where and why the service went down, carried to everything that runs after. */
export interface ServiceDown {
  /** What was running when it went down (a suite id, or a phase such as stress mode). */
  during: string
  /** One line: "the service stopped accepting connections during <during>: <reason>". */
  cause: string
}

export interface ServiceProbeOptions {
  /** The service itself, never the chaos relay: the relay's injected refusals are not the service's. */
  url: string
  config: Pick<Config, 'headers' | 'subprotocols' | 'handshakeTimeoutMs'>
  clock: Clock
  /** Window in ms (default SERVICE_UP_WINDOW_MS). */
  windowMs?: number
  /** Opens a raw socket (default openWsSocket); nothing is recorded in the run's metrics. */
  openSocket?: OpenSocket
}

/** A probe that opens (and drops) one unrecorded connection, retrying within the window. */
export function createServiceProbe(options: ServiceProbeOptions): ServiceProbe {
  const open = options.openSocket ?? openWsSocket
  const windowMs = options.windowMs ?? SERVICE_UP_WINDOW_MS
  const { clock, config } = options
  return async (signal) => {
    const endMs = clock.nowMs() + windowMs
    let lastError: unknown = new Error('no connection was tried')
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const leftMs = endMs - clock.nowMs()
      if (signal?.aborted || (tries > 0 && leftMs <= 0)) break
      try {
        const socket = await open(options.url, {
          headers: config.headers,
          subprotocols: config.subprotocols,
          handshakeTimeoutMs: Math.max(1, Math.min(config.handshakeTimeoutMs, leftMs))
        })
        socket.terminate()
        return { up: true }
      } catch (error) {
        lastError = error
      }
      if (endMs - clock.nowMs() <= SERVICE_UP_RETRY_MS) break
      await pause(SERVICE_UP_RETRY_MS, signal).catch(() => undefined)
    }
    return { up: false, error: lastError }
  }
}

/** The ServiceDown for a probe that found the service refusing `during` something. */
export function serviceDown(during: string, error: unknown): ServiceDown {
  return {
    during,
    cause: `the service stopped accepting connections during ${during}: ${describeError(error)}`
  }
}

/** The failed check that records where the service went down (fails the run: verdict.ts). */
export function serviceDownCheck(down: ServiceDown): Check {
  return {
    id: SERVICE_DOWN_CHECK.id,
    title: SERVICE_DOWN_CHECK.title,
    status: 'failed',
    value: false,
    unit: '',
    threshold: { op: '==', value: true },
    message: down.cause,
    code: 'WSH_ERR_SERVICE_DOWN'
  }
}

/** A selected suite that never ran because the service was already down. */
export function notRunSuite(
  id: SuiteId,
  title: string,
  critical: boolean,
  down: ServiceDown
): SuiteResult {
  return {
    id,
    title,
    status: 'not-run',
    critical,
    durationMs: 0,
    checks: [notRun('service-up', 'service accepted connections', down.cause)],
    metrics: {}
  }
}

/**
 * Whether a suite's result calls for asking if the service is still up: it
 * failed something, and the run had connected before (or in it), so a
 * refusal now means the service went down rather than was never there.
 */
export function worthAsking(result: SuiteResult, everConnected: boolean): boolean {
  return everConnected && result.checks.some((check) => check.status === 'failed')
}

/** True when some check shows a connection was made: anything measured passed or degraded. */
export function measuredSomething(results: readonly SuiteResult[]): boolean {
  return results.some((suite) =>
    suite.checks.some((check) => check.status === 'passed' || check.status === 'degraded')
  )
}
