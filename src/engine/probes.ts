/**
 * Shared suite steps: sending waves of probes over one connection and
 * closing connections without ever hanging. Suites call these instead of
 * copying the same loops (STYLE.md: shared suite steps live in src/engine/).
 */
import type { Connect, Connection, ConnectionOptions, PayloadKind } from '../client/types.js'
import { HealthError, isHealthError } from '../errors.js'
import type { Clock } from '../metrics/clock.js'
import { createSampleRecorder } from '../metrics/recorder.js'
import { abortable, withTimeout } from './deadline.js'

/** Added to a close's own timeout before the engine gives up on it: the client times out first. */
export const PROBE_SLACK_MS = 1_000
/** A close handshake that takes longer than this is abandoned and the socket terminated. */
export const CLOSE_TIMEOUT_MS = 3_000
/** Upper bound on probes in one call, whatever the budget: keeps every loop bounded in count. */
export const MAX_PROBES = 1_000_000
/** Upper bound on reopened connections in one runProbes call (ProbeRunOptions.reconnect). */
export const MAX_PROBE_RECONNECTS = 1_000
/** Sample buffers start this large (or at `count`) and double as needed. */
const INITIAL_SAMPLES = 1024

export interface ProbeRunOptions {
  /** Probes to send at most (>= 1). */
  count: number
  /** Probes in flight at once; a wave of this many is pipelined, then awaited (>= 1). */
  concurrency?: number
  kind?: PayloadKind
  bytes?: number
  /** Per-probe reply timeout in ms. */
  timeoutMs: number
  /**
   * Stop starting new waves once the clock passes this (Clock.nowMs); at least one wave runs
   * (with `reconnect`, until one probe was not lost with its connection, or the signal aborts).
   */
  stopAtMs?: number
  signal: AbortSignal
  clock: Clock
  /**
   * With `stopAtMs`: keep starting waves past it until this many probes got
   * a verdict (reply, timeout or failure; default 1), so a check is never
   * judged on one probe because the rest went with injected drops. Still
   * bounded by `count` and the signal.
   */
  minJudged?: number
  /** Stop after the first wave with an unanswered probe (for checks that need every reply anyway). */
  stopOnFailure?: boolean
  /** Called after each wave with probes done so far. */
  onWave?(done: number): void
  /**
   * Chaos mode: opens a replacement when the connection drops (the relay's
   * injected disconnect). Probes lost with the connection are then sent
   * again on the new one (counted in `resent`, not as failures), so the run
   * judges recovery, not the injected fault. Without it a drop ends the run.
   * At most MAX_PROBE_RECONNECTS reopenings; a failed reopening ends the run.
   */
  reconnect?(): Promise<Connection>
  /**
   * Chaos mode: a probe with no reply after this many ms (capped at
   * `timeoutMs`) is sent again, counted in `resent`, up to `maxResends`
   * times; only a probe unanswered after its resends counts as timed out.
   * Unset: each probe waits `timeoutMs` once (no resend).
   */
  resendAfterMs?: number
  /** Resends per probe with `resendAfterMs` (default DEFAULT_MAX_RESENDS). */
  maxResends?: number
}

/** Resends per probe when ProbeRunOptions.resendAfterMs is set and maxResends is not. */
export const DEFAULT_MAX_RESENDS = 2

export interface ProbeRunResult {
  sent: number
  /** Probes answered: their reply arrived intact (a corrupted reply answers nothing). */
  replies: number
  /** Same as `replies`: only an intact reply resolves a probe (kept for the callers that read it). */
  intact: number
  /** Probes whose reply did not match them byte for byte (WSH_ERR_CORRUPTED_REPLY): not answered. */
  corrupted: number
  /** Probes that got no reply in time (WSH_ERR_MESSAGE_TIMEOUT). */
  timeouts: number
  /** Probes that failed otherwise (connection lost, protocol error; not corrupted ones). */
  failures: number
  /** Probes still in flight when the signal aborted (neither answered nor timed out). */
  abandoned: number
  /** Replies matched first in first out (no id to correlate by), so their order proves nothing. */
  fifoReplies: number
  /** Round-trip times of replies, in ms, in arrival order (a view on the run's sample buffer). */
  rttsMs: Float64Array
  /** Clock.nowMs at each reply, in arrival order (for degradation over time). */
  atMs: Float64Array
  /** Bytes carried by the replied probes. */
  bytes: number
  /** Waves whose replies resolved out of send order. */
  outOfOrderWaves: number
  /** First error seen, if any. */
  firstError?: unknown
  /** True when the signal cut the run short. */
  aborted: boolean
  /** Connections reopened through `reconnect` (0 without it). */
  reconnects: number
  /** Probes lost with a dropped connection and sent again after `reconnect` (0 without it). */
  resent: number
  /**
   * With `resendAfterMs`: replies to probes that were never resent, the only
   * ones whose order `outOfOrderWaves` judges (a resent probe's order is lost).
   */
  orderJudgedReplies?: number
}

/**
 * Sends up to `count` probes over `connection` in pipelined waves and
 * tallies what came back. Never rejects; stops at `count`, `stopAtMs`,
 * a lost connection or an aborted signal.
 *
 * Each probe is bounded by the client's own reply timeout (the Connection
 * contract); this loop adds no timer per probe and one abort listener per
 * call, so a wave of any concurrency costs no extra timers or listeners.
 * Samples go to Float64Array-backed recorders: nothing is allocated per reply.
 */
export async function runProbes(
  connection: Connection,
  options: ProbeRunOptions
): Promise<ProbeRunResult> {
  const limits = probeRunLimits(options)
  const run = createProbeRun(connection, limits)
  const { signal } = options
  // One listener for the whole call: a wave waits for its probes or the abort, whichever is first.
  let onAbort: () => void = noop
  const abortedWait = new Promise<void>((resolve) => {
    onAbort = resolve
  })
  if (signal.aborted) onAbort()
  else signal.addEventListener('abort', onAbort, { once: true })
  try {
    while (run.tally.sent < limits.count) {
      const next = await nextStep(run, options)
      if (next === 'stop') break
      if (next === 'reopened') continue
      const size = Math.min(limits.concurrency, limits.count - run.tally.sent)
      await Promise.race([Promise.all(sendWave(run, options, size)), abortedWait])
      if (signal.aborted && run.settledInWave < size) {
        run.tally.aborted = true
        run.tally.abandoned += size - run.settledInWave
        break
      }
      // Missing replies are counted elsewhere; order is judged on what arrived.
      const { arrival } = run
      if (arrival.some((index, position) => position > 0 && index < arrival[position - 1])) {
        run.tally.outOfOrderWaves++
      }
      options.onWave?.(run.tally.sent)
      if (options.stopOnFailure && run.tally.replies < run.tally.sent) break
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
  const { firstError, ...counts } = run.tally
  return {
    ...counts,
    ...(firstError === undefined ? {} : { firstError }),
    ...(options.resendAfterMs === undefined ? {} : { orderJudgedReplies: run.orderJudgedReplies }),
    rttsMs: run.rtts.values(),
    atMs: run.at.values()
  }
}

interface ProbeRunLimits {
  count: number
  concurrency: number
  /** How long one attempt waits for its reply (ms): resendAfterMs capped at timeoutMs, or timeoutMs. */
  attemptTimeoutMs: number
  maxResends: number
}

/** The run's bounds from its options; a RangeError names a bad one. */
function probeRunLimits(options: ProbeRunOptions): ProbeRunLimits {
  const count = Math.min(options.count, MAX_PROBES)
  const concurrency = options.concurrency ?? 1
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`runProbes: count must be an integer >= 1, got ${options.count}`)
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`runProbes: concurrency must be an integer >= 1, got ${concurrency}`)
  }
  const { resendAfterMs } = options
  const maxResends = options.maxResends ?? DEFAULT_MAX_RESENDS
  if (resendAfterMs !== undefined && !(Number.isFinite(resendAfterMs) && resendAfterMs > 0)) {
    throw new RangeError(`runProbes: resendAfterMs must be ms > 0, got ${resendAfterMs}`)
  }
  if (!Number.isInteger(maxResends) || maxResends < 0) {
    throw new RangeError(`runProbes: maxResends must be an integer >= 0, got ${maxResends}`)
  }
  const attemptTimeoutMs =
    resendAfterMs === undefined ? options.timeoutMs : Math.min(resendAfterMs, options.timeoutMs)
  return { count, concurrency, attemptTimeoutMs, maxResends }
}

/** A run in progress: its counts, samples and the wave being awaited. */
interface ProbeRun {
  tally: Omit<ProbeRunResult, 'rttsMs' | 'atMs' | 'orderJudgedReplies' | 'firstError'> & {
    firstError: unknown
  }
  rtts: ReturnType<typeof createSampleRecorder>
  at: ReturnType<typeof createSampleRecorder>
  limits: ProbeRunLimits
  current: Connection
  orderJudgedReplies: number
  /** Wave number: a probe of an earlier wave that settles late no longer counts. */
  wave: number
  settledInWave: number
  /** Indexes of the current wave's replies, in arrival order. */
  arrival: number[]
  /** Probes of the current wave sent again after a timeout: left out of the order judgement. */
  resentInWave: Set<number>
}

function createProbeRun(connection: Connection, limits: ProbeRunLimits): ProbeRun {
  const initialCapacity = Math.min(limits.count, INITIAL_SAMPLES)
  return {
    tally: {
      sent: 0,
      replies: 0,
      intact: 0,
      corrupted: 0,
      timeouts: 0,
      failures: 0,
      abandoned: 0,
      fifoReplies: 0,
      bytes: 0,
      outOfOrderWaves: 0,
      firstError: undefined,
      aborted: false,
      reconnects: 0,
      resent: 0
    },
    rtts: createSampleRecorder({ initialCapacity }),
    at: createSampleRecorder({ initialCapacity }),
    limits,
    current: connection,
    orderJudgedReplies: 0,
    wave: 0,
    settledInWave: 0,
    arrival: [],
    resentInWave: new Set()
  }
}

/**
 * Before a wave: stop (aborted, past stopAtMs with enough judged, or a
 * connection down that cannot be reopened), reopen a dropped connection
 * through `reconnect`, or send.
 */
async function nextStep(
  run: ProbeRun,
  options: ProbeRunOptions
): Promise<'stop' | 'reopened' | 'send'> {
  const { tally } = run
  if (options.signal.aborted) {
    tally.aborted = true
    return 'stop'
  }
  const judged = tally.replies + tally.corrupted + tally.timeouts + tally.failures
  if (
    tally.sent > 0 &&
    judged >= (options.minJudged ?? 1) &&
    options.stopAtMs !== undefined &&
    options.clock.nowMs() >= options.stopAtMs
  )
    return 'stop'
  if (
    run.current.readyState !== 'OPEN' &&
    options.reconnect !== undefined &&
    tally.reconnects < MAX_PROBE_RECONNECTS
  ) {
    try {
      run.current = await options.reconnect()
      tally.reconnects++
      return 'reopened'
    } catch (error) {
      tally.firstError ??= error
      if (options.signal.aborted) tally.aborted = true
      return 'stop'
    }
  }
  if (run.current.readyState !== 'OPEN') {
    tally.firstError ??= new HealthError(
      'WSH_ERR_CONNECTION_LOST',
      `connection ${run.current.label} is ${run.current.readyState}`
    )
    return 'stop'
  }
  return 'send'
}

/** Sends one wave of `size` pipelined probes; the promises settle into the run's tally. */
function sendWave(run: ProbeRun, options: ProbeRunOptions, size: number): Promise<void>[] {
  const { tally, limits } = run
  const { signal, resendAfterMs } = options
  const thisWave = ++run.wave
  run.settledInWave = 0
  run.arrival.length = 0
  run.resentInWave.clear()
  const onConnection = run.current
  // Only a drop the caller can reopen makes its lost probes worth sending again.
  const resendable = (error: unknown): boolean =>
    options.reconnect !== undefined &&
    tally.reconnects < MAX_PROBE_RECONNECTS &&
    isHealthError(error) &&
    error.code === 'WSH_ERR_CONNECTION_LOST'
  // Without resendAfterMs a timeout is final: one attempt per probe.
  const attempt = (index: number, resends: number): ReturnType<Connection['probe']> =>
    onConnection
      .probe({ kind: options.kind, bytes: options.bytes, timeoutMs: limits.attemptTimeoutMs })
      .catch((error: unknown) => {
        if (
          resendAfterMs === undefined ||
          resends >= limits.maxResends ||
          thisWave !== run.wave ||
          signal.aborted ||
          onConnection.readyState !== 'OPEN' ||
          !isHealthError(error) ||
          error.code !== 'WSH_ERR_MESSAGE_TIMEOUT'
        )
          throw error
        tally.resent++
        run.resentInWave.add(index)
        return attempt(index, resends + 1)
      })
  const pending: Promise<void>[] = []
  for (let i = 0; i < size; i++) {
    tally.sent++
    const index = i
    pending.push(
      attempt(index, 0).then(
        (trip) => {
          // A probe of a wave abandoned on abort settles late: it no longer counts.
          if (thisWave !== run.wave || tally.aborted) return
          run.settledInWave++
          if (!run.resentInWave.has(index)) {
            run.arrival.push(index)
            run.orderJudgedReplies++
          }
          tally.replies++
          if (trip.intact) tally.intact++
          if (trip.matchedById === false) tally.fifoReplies++
          run.rtts.add(trip.rttMs)
          run.at.add(options.clock.nowMs())
          tally.bytes += trip.bytes
        },
        (error: unknown) => {
          if (thisWave !== run.wave || tally.aborted) return
          run.settledInWave++
          if (resendable(error)) {
            // Lost with the connection: sent again once it is reopened.
            tally.sent--
            tally.resent++
            return
          }
          const code = isHealthError(error) ? error.code : undefined
          if (code === 'WSH_ERR_MESSAGE_TIMEOUT') tally.timeouts++
          else if (code === 'WSH_ERR_CORRUPTED_REPLY') tally.corrupted++
          else tally.failures++
          tally.firstError ??= error
        }
      )
    )
  }
  return pending
}

function noop(): void {}

/** RFC 6455 7.4.1: the endpoint received a message too big for it to process. */
export const MESSAGE_TOO_BIG = 1009

/** The close code of a connection that has closed (undefined while it is open or closing). */
export async function closedWith(connection: Connection): Promise<number | undefined> {
  return connection.readyState === 'CLOSED' ? (await connection.closed).code : undefined
}

/**
 * Closes `connection` with `code` if it is still open, bounded in time
 * (`timeoutMs`, ms): a peer that never answers the close frame, or never
 * ends the TCP connection after it, gets its socket terminated.
 * Never rejects.
 */
export async function closeQuietly(
  connection: Connection,
  code = 1000,
  timeoutMs = CLOSE_TIMEOUT_MS
): Promise<void> {
  if (connection.readyState === 'CLOSED') return
  try {
    await withTimeout(
      connection.close(code, '', timeoutMs),
      timeoutMs + PROBE_SLACK_MS,
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
 * terminated, so a cut suite leaks no socket. `signal` is also handed to
 * `connect` (ConnectionOptions.signal) so a retrying connector stops early.
 */
export async function connectWithin(
  connect: Connect,
  options: ConnectionOptions,
  signal: AbortSignal
): Promise<Connection> {
  // The signal also reaches a connector that retries (chaos mode), so it stops waiting on abort.
  const opening = connect({ ...options, signal })
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
