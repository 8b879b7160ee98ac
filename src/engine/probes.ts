/**
 * Shared suite steps: sending waves of probes over one connection and
 * closing connections without ever hanging. Suites call these instead of
 * copying the same loops (STYLE.md: shared suite steps live in src/engine/).
 */
import type { Connect, Connection, ConnectionOptions, PayloadKind } from '../client/types.js'
import { HealthError, isHealthError } from '../errors.js'
import type { Clock } from '../metrics/clock.js'
import { abortable, withTimeout } from './deadline.js'

/** Added to a probe's own timeout before the engine gives up on it: the client times out first. */
export const PROBE_SLACK_MS = 1_000
/** A close handshake that takes longer than this is abandoned and the socket terminated. */
export const CLOSE_TIMEOUT_MS = 3_000
/** Upper bound on probes in one call, whatever the budget: keeps every loop bounded in count. */
export const MAX_PROBES = 1_000_000

export interface ProbeRunOptions {
  /** Probes to send at most (>= 1). */
  count: number
  /** Probes in flight at once; a wave of this many is pipelined, then awaited (>= 1). */
  concurrency?: number
  kind?: PayloadKind
  bytes?: number
  /** Per-probe reply timeout in ms. */
  timeoutMs: number
  /** Stop starting new waves once the clock passes this (Clock.nowMs); at least one wave runs. */
  stopAtMs?: number
  signal: AbortSignal
  clock: Clock
  /** Stop after the first wave with an unanswered probe (for checks that need every reply anyway). */
  stopOnFailure?: boolean
  /** Called after each wave with probes done so far. */
  onWave?(done: number): void
}

export interface ProbeRunResult {
  sent: number
  /** Replies received (intact or not). */
  replies: number
  intact: number
  /** Probes that got no reply in time (WSH_ERR_MESSAGE_TIMEOUT). */
  timeouts: number
  /** Probes that failed otherwise (connection lost, protocol error). */
  failures: number
  /** Round-trip times of replies, in ms, in arrival order. */
  rttsMs: number[]
  /** Clock.nowMs at each reply, in arrival order (for degradation over time). */
  atMs: number[]
  /** Bytes carried by the replied probes. */
  bytes: number
  /** Waves whose replies resolved out of send order. */
  outOfOrderWaves: number
  /** First error seen, if any. */
  firstError?: unknown
  /** True when the signal cut the run short. */
  aborted: boolean
}

/**
 * Sends up to `count` probes over `connection` in pipelined waves and
 * tallies what came back. Never rejects; stops at `count`, `stopAtMs`,
 * a lost connection or an aborted signal.
 */
export async function runProbes(
  connection: Connection,
  options: ProbeRunOptions
): Promise<ProbeRunResult> {
  const count = Math.min(options.count, MAX_PROBES)
  const concurrency = options.concurrency ?? 1
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`runProbes: count must be an integer >= 1, got ${options.count}`)
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`runProbes: concurrency must be an integer >= 1, got ${concurrency}`)
  }
  const { clock, signal } = options
  const result: ProbeRunResult = {
    sent: 0,
    replies: 0,
    intact: 0,
    timeouts: 0,
    failures: 0,
    rttsMs: [],
    atMs: [],
    bytes: 0,
    outOfOrderWaves: 0,
    aborted: false
  }
  const limitMs = options.timeoutMs + PROBE_SLACK_MS
  while (result.sent < count) {
    if (signal.aborted) {
      result.aborted = true
      break
    }
    if (result.sent > 0 && options.stopAtMs !== undefined && clock.nowMs() >= options.stopAtMs)
      break
    if (connection.readyState !== 'OPEN') {
      result.firstError ??= new HealthError(
        'WSH_ERR_CONNECTION_LOST',
        `connection ${connection.label} is ${connection.readyState}`
      )
      break
    }
    const wave = Math.min(concurrency, count - result.sent)
    const arrival: number[] = []
    const pending: Promise<void>[] = []
    for (let i = 0; i < wave; i++) {
      result.sent++
      const probe = connection.probe({
        kind: options.kind,
        bytes: options.bytes,
        timeoutMs: options.timeoutMs
      })
      const bounded = withTimeout(
        probe,
        limitMs,
        () => probeTimeout(connection.label, limitMs),
        signal
      )
      pending.push(
        bounded.then(
          (trip) => {
            arrival.push(i)
            result.replies++
            if (trip.intact) result.intact++
            result.rttsMs.push(trip.rttMs)
            result.atMs.push(clock.nowMs())
            result.bytes += trip.bytes
          },
          (error: unknown) => {
            if (signal.aborted && error === signal.reason) {
              result.aborted = true
              return
            }
            if (isHealthError(error) && error.code === 'WSH_ERR_MESSAGE_TIMEOUT') result.timeouts++
            else result.failures++
            result.firstError ??= error
          }
        )
      )
    }
    await Promise.all(pending)
    // Missing replies are counted elsewhere; order is judged on what arrived.
    if (arrival.some((index, position) => position > 0 && index < arrival[position - 1])) {
      result.outOfOrderWaves++
    }
    options.onWave?.(result.sent)
    if (result.aborted) break
    if (options.stopOnFailure && result.replies < result.sent) break
  }
  return result
}

function probeTimeout(label: string, ms: number): HealthError {
  return new HealthError('WSH_ERR_MESSAGE_TIMEOUT', `no reply on ${label} within ${ms} ms`)
}

/**
 * Closes `connection` with `code` if it is still open, bounded in time:
 * a peer that never answers the close frame gets its socket terminated.
 * Never rejects.
 */
export async function closeQuietly(connection: Connection, code = 1000): Promise<void> {
  if (connection.readyState === 'CLOSED') return
  try {
    await withTimeout(
      connection.close(code, '', CLOSE_TIMEOUT_MS),
      CLOSE_TIMEOUT_MS + PROBE_SLACK_MS,
      () =>
        new HealthError('WSH_ERR_CLOSE_TIMEOUT', `close of ${connection.label} did not complete`)
    )
  } catch {
    connection.terminate()
  }
}

/**
 * Opens a connection through `connect`, rejecting with `signal.reason` as
 * soon as `signal` aborts; a connection that opens after the abort is
 * terminated, so a cut suite leaks no socket.
 */
export async function connectWithin(
  connect: Connect,
  options: ConnectionOptions,
  signal: AbortSignal
): Promise<Connection> {
  const opening = connect(options)
  try {
    return await abortable(opening, signal)
  } catch (error) {
    if (signal.aborted)
      opening.then(
        (late) => late.terminate(),
        () => undefined
      )
    throw error
  }
}
