/**
 * Shared steps for suites that drive reconnecting clients: bounded waits on
 * a client's state, request/reply over a client, and starting a client
 * within a limit. Every wait is bounded by its timeout and the suite's
 * signal, and measured on the injected clock.
 */
import type { ReconnectingClient } from '../client/reconnecting-client.js'
import { ERROR_CODES, HealthError, type ErrorCode } from '../errors.js'
import type { Clock } from '../metrics/clock.js'

/** How often bounded waits re-test their condition (ms): state changes inside the client emit no event we can await. */
export const POLL_STEP_MS = 10

export type WaitResult<T> = { ok: true; value: T } | { ok: false; why: 'timeout' | 'aborted' }

/**
 * Re-tests `decide` every POLL_STEP_MS until it returns a value (not
 * undefined), `timeoutMs` of clock time passed, or `signal` aborted.
 */
export async function until<T>(
  decide: () => T | undefined,
  timeoutMs: number,
  clock: Clock,
  signal: AbortSignal
): Promise<WaitResult<T>> {
  const stopAtMs = clock.nowMs() + Math.max(0, timeoutMs)
  // Bounded in count too: a clock that never advances cannot spin forever.
  const maxSteps = Math.ceil(Math.max(0, timeoutMs) / POLL_STEP_MS) + 1
  for (let step = 0; step <= maxSteps; step++) {
    const value = decide()
    if (value !== undefined) return { ok: true, value }
    if (signal.aborted) return { ok: false, why: 'aborted' }
    if (clock.nowMs() >= stopAtMs) break
    try {
      await clock.sleep(Math.min(POLL_STEP_MS, Math.max(1, stopAtMs - clock.nowMs())), signal)
    } catch {
      return { ok: false, why: 'aborted' }
    }
  }
  const value = decide()
  return value !== undefined ? { ok: true, value } : { ok: false, why: 'timeout' }
}

export type RecoveryOutcome = 'recovered' | 'failed'

/**
 * Waits until `client` has more than `after` reconnections and is open
 * ('recovered'), or has given up ('failed').
 */
export function waitForReconnect(
  client: ReconnectingClient,
  after: number,
  timeoutMs: number,
  clock: Clock,
  signal: AbortSignal
): Promise<WaitResult<RecoveryOutcome>> {
  return until<RecoveryOutcome>(
    () => {
      if (client.state === 'open' && client.stats.reconnections > after) return 'recovered'
      if (client.state === 'failed' || client.state === 'closed') return 'failed'
      return undefined
    },
    timeoutMs,
    clock,
    signal
  )
}

/**
 * Starts `client` and waits until it is open, at most `timeoutMs`.
 * Resolves with the error when it did not open (the client is then closed).
 */
export async function startWithin(
  client: ReconnectingClient,
  timeoutMs: number,
  clock: Clock,
  signal: AbortSignal
): Promise<unknown> {
  let error: unknown
  const started = client.start().then(
    () => undefined,
    (e: unknown) => {
      error = e
    }
  )
  const opened = await until(
    () => (client.state === 'open' ? true : error !== undefined ? false : undefined),
    timeoutMs,
    clock,
    signal
  )
  if (opened.ok && opened.value) return undefined
  // Decided before close(): closing rejects start() with a bare "client closed", which
  // would hide that the limit ran out while the handshake was still pending.
  const ownError = error
  await client.close()
  await started
  if (ownError !== undefined) return ownError
  if (!opened.ok && opened.why === 'aborted') {
    return new HealthError('WSH_ERR_DEADLINE', 'stopped before the connection opened')
  }
  // Attempts that failed before the limit (refused, rejected) say more than the limit does.
  const last = client.stats.lastError
  return new HealthError(
    last && last.code in ERROR_CODES ? (last.code as ErrorCode) : 'WSH_ERR_HANDSHAKE_TIMEOUT',
    `not open after ${Math.round(timeoutMs)} ms` + (last ? `; last error: ${last.message}` : '')
  )
}

/**
 * Sends `body` (its id added by the client) and resolves with the first
 * parsed reply carrying the same id, or undefined after `timeoutMs`.
 */
export async function request(
  client: ReconnectingClient,
  body: Record<string, unknown>,
  idField: string,
  timeoutMs: number,
  clock: Clock,
  signal: AbortSignal
): Promise<Record<string, unknown> | undefined> {
  let reply: Record<string, unknown> | undefined
  let id: string | undefined
  const off = client.onMessage((_data, _isBinary, json) => {
    if (reply !== undefined || json === null || typeof json !== 'object') return
    const record = json as Record<string, unknown>
    if (id !== undefined && record[idField] === id) reply = record
  })
  try {
    id = client.send(body)
    const got = await until(() => reply, timeoutMs, clock, signal)
    return got.ok ? got.value : undefined
  } finally {
    off()
  }
}
