/**
 * The protocol-violation probes, run last: after every suite and stress mode
 * have measured, on their own connection straight to the service (never
 * through the chaos relay: the probe judges the service), then a check that
 * the service still accepts connections. A fragile service (no `error`
 * listener on its sockets) crashes on the invalid frame; run last, that
 * costs no other suite its measurements, and it is reported as what it is:
 * one client can take the service down. The checks belong to
 * message-delivery in the report.
 */
import { createConnector, connectionOptionsFromConfig } from '../client/connection.js'
import type { ProbeProtocol } from '../client/protocol.js'
import type { Config } from '../config/schema.js'
import type { Clock } from '../metrics/clock.js'
import type { RunRecorder } from '../metrics/run-recorder.js'
import {
  PROTOCOL_ERROR_CHECK,
  PROTOCOL_ERROR_CLOSE_MS,
  protocolErrorCheck
} from '../suites/protocol-error-probe.js'
import { notRun, skipped, verify } from '../engine/checks.js'
import { CLOSE_TIMEOUT_MS, PROBE_SLACK_MS } from '../engine/probes.js'
import { createDeadline } from '../engine/deadline.js'
import type { Check } from '../engine/model.js'
import type { RunSuitesResult } from './runner.js'
import {
  SERVICE_UP_WINDOW_MS,
  serviceDown,
  serviceDownCheck,
  type ServiceDown,
  type ServiceProbe
} from '../engine/service-down.js'
import { UNREACHABLE_CODES, overallVerdict, suiteStatus } from '../engine/verdict.js'

export const SURVIVES_CHECK = {
  id: 'service-survives-protocol-errors',
  title: 'service still accepts connections after a protocol error'
} as const

/** Below this much time (ms) before the run's end the probes are not started: they could not be judged. */
const MIN_PHASE_MS = 1_000

export interface ProtocolViolationOptions {
  config: Config
  /** The service's own URL, never the chaos relay's. */
  url: string
  protocol: ProbeProtocol
  recorder: RunRecorder
  clock: Clock
  /** Asks whether the service accepts a new connection (service-down.ts). */
  serviceUp: ServiceProbe
  /** Set when the service went down earlier in the run: the probes are then not-run. */
  down?: ServiceDown
  /** Whether any connection to the service succeeded in the run; without one the probes are not-run. */
  everConnected: boolean
  /** What ran just before (for the cause when the service is found down before the probes). */
  after: string
  /** Clock.nowMs by which the probes must be done (the run's deadline less the report reserve). */
  endByMs: number
  signal?: AbortSignal
}

/**
 * The probes' checks, for message-delivery: the protocol-error close, then
 * whether the service survived it. Never rejects.
 */
export async function protocolViolationChecks(options: ProtocolViolationOptions): Promise<Check[]> {
  const { id, title } = PROTOCOL_ERROR_CHECK
  if (options.down) return [notRun(id, title, options.down.cause)]
  // An unreachable service stays reported as unreachable (verdict.ts), not as one that went down.
  if (!options.everConnected)
    return [notRun(id, title, 'the service was never reached in this run')]
  if (!options.config.protocolViolations) return [skipped(id, title, 'protocol_violations is off')]
  if (options.signal?.aborted) return [skipped(id, title, 'the run was cancelled before the probe')]
  const leftMs = options.endByMs - options.clock.nowMs()
  if (leftMs < MIN_PHASE_MS) {
    return [
      skipped(id, title, "the run's time limit was reached before the protocol-violation probes")
    ]
  }
  const connect = createConnector({
    url: options.url,
    clock: options.clock,
    protocol: options.protocol,
    recorder: options.recorder,
    ...connectionOptionsFromConfig(options.config)
  })
  // The survival check keeps its window; the probe (connect, send, close) gets the rest.
  const probeLimitMs = Math.min(
    leftMs - SERVICE_UP_WINDOW_MS,
    options.config.handshakeTimeoutMs + PROTOCOL_ERROR_CLOSE_MS + CLOSE_TIMEOUT_MS + PROBE_SLACK_MS
  )
  const deadline = createDeadline(
    Math.max(MIN_PHASE_MS, probeLimitMs),
    'the protocol-violation probes',
    options.signal
  )
  let probe: Check
  try {
    probe = await protocolErrorCheck({ connect, signal: deadline.signal })
  } finally {
    deadline.dispose()
  }
  // Only a frame that was sent can have taken the service down.
  if (probe.status === 'skipped' || options.signal?.aborted) return [probe]
  const answer = await options.serviceUp(options.signal)
  if (probe.status === 'failed' && probe.code !== undefined && UNREACHABLE_CODES.has(probe.code)) {
    // The probe never connected: the service was down before the invalid frame.
    if (answer.up) return [probe]
    const down = serviceDown(options.after, answer.error)
    return [notRun(id, title, down.cause), serviceDownCheck(down)]
  }
  return [probe, survivalCheck(answer.up)]
}

function survivalCheck(up: boolean): Check {
  return verify({
    id: SURVIVES_CHECK.id,
    title: SURVIVES_CHECK.title,
    ok: up,
    value: up,
    message: up
      ? 'the service accepted a new connection after one client sent a text frame with invalid UTF-8'
      : 'the service stopped accepting connections after one client sent a text frame with invalid UTF-8: a single client can take it down',
    code: 'WSH_ERR_SERVICE_DOWN'
  })
}

/**
 * `result` with `checks` appended to its message-delivery suite, that suite's
 * status and the run's verdict recomputed. Unchanged when message-delivery
 * did not run (not selected) or there is nothing to add.
 */
export function withMessageDeliveryChecks(
  result: RunSuitesResult,
  checks: readonly Check[]
): RunSuitesResult {
  if (checks.length === 0) return result
  const suites = result.suites.map((suite) => {
    if (suite.id !== 'message-delivery') return suite
    const all = [...suite.checks, ...checks]
    return { ...suite, checks: all, status: suiteStatus(all) }
  })
  return { ...result, suites, status: overallVerdict(suites) }
}
