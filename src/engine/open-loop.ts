/**
 * Open-loop (fixed-schedule) probing, as wrk2 and k6's constant-arrival-rate
 * executor do it: probes fall due at `ratePerSec` whatever the service does,
 * and each round trip is measured from its **intended** send time. A probe
 * that falls due while the service stalls (or while this process was
 * delayed) is sent late and its latency includes that wait, so a stall shows
 * in every probe it held up instead of in one slow sample diluted by the
 * healthy replies around it (coordinated omission).
 *
 * The schedule never drifts: the n-th probe is due at `startMs + n /
 * ratePerSec`, and after an event-loop delay every probe that fell due is
 * sent at once, stamped with its own scheduled time. Outstanding probes are
 * bounded; a probe that falls due while the bound is reached is not sent and
 * counts as a failure with that reason (WSH_ERR_PROBE_BACKLOG), never
 * silently dropped.
 */
import type { Connection, PayloadKind, RoundTrip } from '../client/types.js'
import { HealthError, isHealthError } from '../errors.js'
import type { Clock } from '../metrics/clock.js'
import { createSampleRecorder } from '../metrics/recorder.js'
import { abortable } from './deadline.js'
import { MAX_PROBES } from './probes.js'

/**
 * Within this many ms of the next due probe the loop yields with setImmediate
 * instead of a timer: Node's timers fire up to ~1 ms late, and that lateness
 * would be charged to every probe as latency.
 */
export const SPIN_WINDOW_MS = 1.5
/** Sample buffers start this large and double as needed. */
const INITIAL_SAMPLES = 4096

/** A fixed schedule of sends; pure, so the pool and the runner share it. */
export interface ProbeSchedule {
  /** ms between two scheduled sends. */
  readonly intervalMs: number
  /** Sends taken so far. */
  readonly taken: number
  /** Clock.nowMs the next send is due at. */
  nextDueMs(): number
  /**
   * Calls `emit(intendedMs)` for each send due by `nowMs`, oldest first, at
   * most `limit` of them (default: all); returns how many it emitted.
   */
  takeDue(nowMs: number, emit: (intendedMs: number) => void, limit?: number): number
}

/**
 * A schedule of `ratePerSec` sends per second from `startMs` (Clock.nowMs).
 * The n-th send is due at startMs + n * 1000 / ratePerSec, computed from n,
 * so no rounding accumulates and a late caller never shifts later sends.
 */
export function createProbeSchedule(ratePerSec: number, startMs: number): ProbeSchedule {
  if (!(Number.isFinite(ratePerSec) && ratePerSec > 0)) {
    throw new RangeError(`ratePerSec: got ${ratePerSec}; expected a number > 0`)
  }
  const intervalMs = 1000 / ratePerSec
  let taken = 0
  return {
    intervalMs,
    get taken() {
      return taken
    },
    nextDueMs: () => startMs + taken * intervalMs,
    takeDue(nowMs, emit, limit = Infinity) {
      let emitted = 0
      while (emitted < limit) {
        const dueMs = startMs + taken * intervalMs
        if (dueMs > nowMs) break
        taken++
        emitted++
        emit(dueMs)
      }
      return emitted
    }
  }
}

export interface OpenLoopOptions {
  /** Connections the probes are spread over, round robin (>= 1). */
  connections: readonly Connection[]
  /** Probes per second across all connections (> 0). */
  ratePerSec: number
  /** Probes outstanding at most across all connections (>= 1). */
  maxInFlight: number
  /** Per-probe reply timeout in ms, counted from the send. */
  timeoutMs: number
  /** No probe is scheduled at or after this Clock.nowMs. */
  stopAtMs: number
  signal: AbortSignal
  clock: Clock
  kind?: PayloadKind
  bytes?: number
  /** Probes scheduled at most (default and cap MAX_PROBES). */
  maxProbes?: number
  /** Called now and then with the probes scheduled so far. */
  onProgress?(scheduled: number): void
}

export interface OpenLoopResult {
  /** Probes whose scheduled time fell within the run. */
  scheduled: number
  /** Probes handed to a connection. */
  sent: number
  /** Probes answered with an intact reply. */
  replies: number
  /** Probes with no reply within timeoutMs (WSH_ERR_MESSAGE_TIMEOUT). */
  timeouts: number
  /** Probes whose reply differed from what was sent (WSH_ERR_CORRUPTED_REPLY). */
  corrupted: number
  /** Probes that failed otherwise (connection lost, protocol error). */
  failures: number
  /** Probes not sent because maxInFlight were outstanding (WSH_ERR_PROBE_BACKLOG). */
  backlogged: number
  /** Probes still in flight when the signal aborted (not judged). */
  abandoned: number
  /** Replies matched first in first out (no id to correlate by). */
  fifoReplies: number
  /** Per answered probe: reply time minus its intended send time, ms (arrival order). */
  latenciesMs: Float64Array
  /** Per answered probe: reply time minus its actual send time, ms (same order). */
  rttsMs: Float64Array
  /** Per answered probe: its intended send time, Clock.nowMs (same order). */
  intendedAtMs: Float64Array
  /** Per sent probe: how late it was sent after its intended time, ms (send order). */
  sendLatenessMs: Float64Array
  /** Bytes carried by the answered probes. */
  bytes: number
  /** Clock.nowMs of the first scheduled send and of the end of the schedule. */
  startMs: number
  endMs: number
  /** Clock.nowMs of the last actual send (NaN when none was sent). */
  lastSendMs: number
  firstError?: unknown
  aborted: boolean
}

/** What the run counts as it goes: the result's counters, plus what is outstanding. */
type Tally = Pick<
  OpenLoopResult,
  | 'scheduled'
  | 'sent'
  | 'replies'
  | 'timeouts'
  | 'corrupted'
  | 'failures'
  | 'backlogged'
  | 'abandoned'
  | 'fifoReplies'
  | 'bytes'
  | 'aborted'
> & { inFlight: number; firstError: unknown }

function checkOptions(options: OpenLoopOptions): void {
  const { connections, ratePerSec, maxInFlight, timeoutMs } = options
  if (connections.length < 1) throw new RangeError('connections: expected at least one')
  if (!(Number.isFinite(ratePerSec) && ratePerSec > 0)) {
    throw new RangeError(`ratePerSec: got ${ratePerSec}; expected a number > 0`)
  }
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(`maxInFlight: got ${maxInFlight}; expected an integer >= 1`)
  }
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs: got ${timeoutMs}; expected ms > 0`)
}

/**
 * Sends probes over `connections` on a fixed schedule until `stopAtMs`, then
 * waits for the ones in flight (each bounded by its own timeout). Never
 * rejects; stops early when the signal aborts or every connection closed.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  checkOptions(options)
  const { clock, signal, connections } = options
  const maxProbes = Math.min(options.maxProbes ?? MAX_PROBES, MAX_PROBES)
  const probeOptions = { kind: options.kind, bytes: options.bytes, timeoutMs: options.timeoutMs }
  const capacity = Math.max(1, Math.min(INITIAL_SAMPLES, maxProbes))
  const latencies = createSampleRecorder({ initialCapacity: capacity })
  const rtts = createSampleRecorder({ initialCapacity: capacity })
  const intended = createSampleRecorder({ initialCapacity: capacity })
  const lateness = createSampleRecorder({ initialCapacity: capacity })
  const tally: Tally = {
    scheduled: 0,
    sent: 0,
    replies: 0,
    timeouts: 0,
    corrupted: 0,
    failures: 0,
    backlogged: 0,
    abandoned: 0,
    fifoReplies: 0,
    bytes: 0,
    inFlight: 0,
    firstError: undefined,
    aborted: false
  }
  let drained: (() => void) | undefined

  function settled(): void {
    tally.inFlight--
    if (tally.inFlight === 0) drained?.()
  }

  function answered(intendedMs: number, sentMs: number, trip: RoundTrip): void {
    if (tally.aborted) return
    // The reply arrived rttMs after the send call, which was sentMs - intendedMs late.
    latencies.add(sentMs - intendedMs + trip.rttMs)
    rtts.add(trip.rttMs)
    intended.add(intendedMs)
    tally.replies++
    tally.bytes += trip.bytes
    if (trip.matchedById === false) tally.fifoReplies++
    settled()
  }

  function failed(error: unknown): void {
    if (tally.aborted) return
    const code = isHealthError(error) ? error.code : undefined
    if (code === 'WSH_ERR_MESSAGE_TIMEOUT') tally.timeouts++
    else if (code === 'WSH_ERR_CORRUPTED_REPLY') tally.corrupted++
    else tally.failures++
    tally.firstError ??= error
    settled()
  }

  let lane = 0
  let lastSendMs = Number.NaN
  function sendDue(intendedMs: number): void {
    tally.scheduled++
    if (tally.inFlight >= options.maxInFlight) {
      tally.backlogged++
      tally.firstError ??= backlogError(options.maxInFlight)
      return
    }
    const connection = nextOpen()
    if (connection === undefined) {
      tally.failures++
      tally.firstError ??= new HealthError('WSH_ERR_CONNECTION_LOST', 'every connection closed')
      return
    }
    const sentMs = clock.nowMs()
    lastSendMs = sentMs
    lateness.add(sentMs - intendedMs)
    tally.sent++
    tally.inFlight++
    connection.probe(probeOptions).then((trip) => answered(intendedMs, sentMs, trip), failed)
  }

  /** The next open connection in round-robin order, or undefined when all closed. */
  function nextOpen(): Connection | undefined {
    for (let tried = 0; tried < connections.length; tried++) {
      const connection = connections[lane]
      lane = (lane + 1) % connections.length
      if (connection.readyState === 'OPEN') return connection
    }
    return undefined
  }

  const startMs = clock.nowMs()
  const schedule = createProbeSchedule(options.ratePerSec, startMs)
  const stopAtMs = Math.min(options.stopAtMs, startMs + maxProbes * schedule.intervalMs)
  let progressAt = 0
  while (!signal.aborted) {
    const nowMs = clock.nowMs()
    schedule.takeDue(Math.min(nowMs, stopAtMs - 1e-9), sendDue, maxProbes - tally.scheduled)
    if (tally.scheduled - progressAt >= Math.max(1, options.ratePerSec / 4)) {
      progressAt = tally.scheduled
      options.onProgress?.(tally.scheduled)
    }
    if (tally.scheduled >= maxProbes || schedule.nextDueMs() >= stopAtMs) break
    if (connections.every((c) => c.readyState !== 'OPEN')) break
    try {
      await waitUntil(clock, schedule.nextDueMs(), signal)
    } catch {
      break
    }
  }
  const endMs = Math.min(clock.nowMs(), stopAtMs)
  await drain(tally, signal, (resolve) => {
    drained = resolve
  })
  const { firstError, inFlight: _inFlight, ...counts } = tally
  return {
    ...counts,
    ...(firstError === undefined ? {} : { firstError }),
    latenciesMs: latencies.values(),
    rttsMs: rtts.values(),
    intendedAtMs: intended.values(),
    sendLatenessMs: lateness.values(),
    startMs,
    endMs,
    lastSendMs
  }
}

/** The error a probe that could not be sent for the backlog counts with. */
export function backlogError(maxInFlight: number, bound = 'max_in_flight'): HealthError {
  return new HealthError(
    'WSH_ERR_PROBE_BACKLOG',
    `a probe fell due while ${maxInFlight} probes were outstanding (${bound}): not sent, counted as failed`
  )
}

/**
 * Waits for the probes in flight: each settles within its own timeout, so
 * this is bounded; an abort ends it and the rest count as abandoned.
 */
async function drain(
  tally: Tally,
  signal: AbortSignal,
  onDrained: (resolve: () => void) => void
): Promise<void> {
  if (tally.inFlight > 0) {
    const allSettled = new Promise<void>((resolve) => onDrained(resolve))
    await abortable(allSettled, signal).catch(() => undefined)
  }
  if (signal.aborted || tally.inFlight > 0) {
    tally.aborted = signal.aborted
    tally.abandoned = tally.inFlight
  }
}

/**
 * Resolves at (or just after) `dueMs`: a timer for the bulk of the wait, then
 * setImmediate turns for the last SPIN_WINDOW_MS. Rejects when `signal` aborts.
 */
async function waitUntil(clock: Clock, dueMs: number, signal: AbortSignal): Promise<void> {
  const aheadMs = dueMs - clock.nowMs()
  if (aheadMs > SPIN_WINDOW_MS) {
    await clock.sleep(aheadMs - SPIN_WINDOW_MS, signal)
    return
  }
  if (signal.aborted) throw signal.reason
  await new Promise<void>((resolve) => setImmediate(resolve))
}
