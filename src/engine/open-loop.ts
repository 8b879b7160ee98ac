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
import type { Connection, PayloadKind, ProbeOptions, ProbeSink } from '../client/types.js'
import { HealthError, isHealthError } from '../errors.js'
import type { Clock } from '../metrics/clock.js'
import { createSampleRecorder, type SampleRecorder } from '../metrics/recorder.js'
import { abortable } from './deadline.js'
import { MAX_PROBES } from './probes.js'

/**
 * Within this many ms of the next due probe the loop yields with setImmediate
 * instead of a timer: Node's timers fire up to ~1 ms late, and that lateness
 * would be charged to every probe as latency.
 */
export const SPIN_WINDOW_MS = 1.5

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
  /**
   * Per sent probe: how late it was sent after its intended time, ms (send
   * order); sent = its write handed it to the kernel.
   */
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
  const run = new OpenLoopRun(options)
  await run.sendOnSchedule()
  const endMs = Math.min(options.clock.nowMs(), run.stopAtMs)
  await drain(run.tally, options.signal, (resolve) => {
    run.drained = resolve
  })
  return run.result(endMs)
}

/**
 * One run of the schedule. At 20 000 probes/s whatever the run does
 * between two sends delays the next one, and that lateness is charged to
 * every probe as latency, so the hot path allocates next to nothing: the
 * run is the ProbeSink of its own probes (Connection.probeTo), each probe's
 * token is its send index, which finds its scheduled time in the per-send
 * samples (no promise, closure or object per probe), the wait for the next
 * send turns the event loop with one callback bound once per run (no
 * promise per turn), and probes that fell due together leave in one write.
 */
class OpenLoopRun implements ProbeSink {
  readonly tally: Tally = {
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
  /** Set by drain(): called when the last probe in flight settles. */
  drained: (() => void) | undefined
  readonly startMs: number
  readonly stopAtMs: number
  private readonly schedule: ProbeSchedule
  private readonly maxProbes: number
  private readonly probeOptions: ProbeOptions
  /** Per answered probe, arrival order. */
  private readonly latencies: SampleRecorder
  private readonly rtts: SampleRecorder
  private readonly intended: SampleRecorder
  /** Per sent probe, send order: how late it left. */
  private readonly lateness: SampleRecorder
  /** Per sent probe, send order (index = token): when it was due. */
  private readonly dueBySend: SampleRecorder
  private lane = 0
  private lastSendMs = Number.NaN
  private progressAt = 0
  /** True until the schedule is over: replies handled meanwhile may send what fell due. */
  private scheduling = true
  /** True while sendBurst() holds the writes: its probes are stamped sent after the write. */
  private bursting = false
  /** Resolves the current spin (see spin()). */
  private spun: () => void = noop
  private readonly sendDue = (intendedMs: number): void => this.send(intendedMs)
  private readonly onSpinTurn = (): void => this.spinTurn()

  constructor(private readonly options: OpenLoopOptions) {
    this.maxProbes = Math.min(options.maxProbes ?? MAX_PROBES, MAX_PROBES)
    this.probeOptions = { kind: options.kind, bytes: options.bytes, timeoutMs: options.timeoutMs }
    this.startMs = options.clock.nowMs()
    this.schedule = createProbeSchedule(options.ratePerSec, this.startMs)
    this.stopAtMs = Math.min(
      options.stopAtMs,
      this.startMs + this.maxProbes * this.schedule.intervalMs
    )
    // Room for every probe the schedule can hold: a buffer that doubles mid-run copies
    // all five at once, a pause charged to the probes due meanwhile.
    const scheduled = Math.ceil((this.stopAtMs - this.startMs) / this.schedule.intervalMs) + 1
    const initialCapacity = Math.max(1, Math.min(scheduled, this.maxProbes))
    this.latencies = createSampleRecorder({ initialCapacity })
    this.rtts = createSampleRecorder({ initialCapacity })
    this.intended = createSampleRecorder({ initialCapacity })
    this.lateness = createSampleRecorder({ initialCapacity })
    this.dueBySend = createSampleRecorder({ initialCapacity })
  }

  /** Sends every probe as it falls due until the schedule ends, the signal aborts or no connection is open. */
  async sendOnSchedule(): Promise<void> {
    try {
      await this.sendUntilOver()
    } finally {
      this.scheduling = false
    }
  }

  private async sendUntilOver(): Promise<void> {
    const { clock, signal } = this.options
    while (!signal.aborted) {
      this.takeDue()
      if (this.over()) break
      const aheadMs = this.schedule.nextDueMs() - clock.nowMs()
      try {
        if (aheadMs > SPIN_WINDOW_MS) await clock.sleep(aheadMs - SPIN_WINDOW_MS, signal)
        else await this.spin()
      } catch {
        break
      }
    }
  }

  probeAnswered(token: number, rttMs: number, bytes: number, matchedById: boolean): void {
    const tally = this.tally
    if (tally.aborted) return
    // From when the probe was due to its reply, whenever it actually left.
    const nowMs = this.options.clock.nowMs()
    const dueMs = this.dueBySend.at(token) ?? Number.NaN
    this.latencies.add(nowMs - dueMs)
    this.rtts.add(rttMs)
    this.intended.add(dueMs)
    tally.replies++
    tally.bytes += bytes
    if (!matchedById) tally.fifoReplies++
    this.settled()
    // One read can hold hundreds of replies, handled back to back: a send
    // that falls due meanwhile goes out between two of them, not after the last.
    if (this.scheduling && nowMs >= this.schedule.nextDueMs() && !this.options.signal.aborted) {
      this.takeDue()
    }
  }

  probeFailed(_token: number, error: unknown): void {
    const tally = this.tally
    if (tally.aborted) return
    const code = isHealthError(error) ? error.code : undefined
    if (code === 'WSH_ERR_MESSAGE_TIMEOUT') tally.timeouts++
    else if (code === 'WSH_ERR_CORRUPTED_REPLY') tally.corrupted++
    else tally.failures++
    tally.firstError ??= error
    this.settled()
  }

  result(endMs: number): OpenLoopResult {
    const { firstError, inFlight: _inFlight, ...counts } = this.tally
    return {
      ...counts,
      ...(firstError === undefined ? {} : { firstError }),
      latenciesMs: this.latencies.values(),
      rttsMs: this.rtts.values(),
      intendedAtMs: this.intended.values(),
      sendLatenessMs: this.lateness.values(),
      startMs: this.startMs,
      endMs,
      lastSendMs: this.lastSendMs
    }
  }

  /** Sends (or counts as backlogged) every probe due by now, and reports progress. */
  private takeDue(): void {
    const { clock, onProgress, ratePerSec } = this.options
    const tally = this.tally
    const untilMs = Math.min(clock.nowMs(), this.stopAtMs - 1e-9)
    if (this.schedule.nextDueMs() + this.schedule.intervalMs <= untilMs) this.sendBurst(untilMs)
    else this.schedule.takeDue(untilMs, this.sendDue, this.maxProbes - tally.scheduled)
    if (tally.scheduled - this.progressAt >= Math.max(1, ratePerSec / 4)) {
      this.progressAt = tally.scheduled
      onProgress?.(tally.scheduled)
    }
  }

  /**
   * Sends the probes that fell due together (after a delay of this process)
   * in one write per connection: one write after another costs tens of
   * microseconds each on loopback, so at 20 000 probes/s a burst written
   * probe by probe would make later probes later still, and a 2 ms pause
   * left the schedule behind for the rest of the run. Each probe of the
   * burst counts as sent when the write has handed it to the kernel.
   */
  private sendBurst(untilMs: number): void {
    const connections = this.options.connections
    const firstToken = this.tally.sent
    this.bursting = true
    for (const connection of connections) connection.holdWrites()
    try {
      this.schedule.takeDue(untilMs, this.sendDue, this.maxProbes - this.tally.scheduled)
    } finally {
      for (const connection of connections) connection.releaseWrites()
      this.bursting = false
    }
    const sentMs = this.options.clock.nowMs()
    for (let token = firstToken; token < this.tally.sent; token++) {
      this.lateness.add(sentMs - (this.dueBySend.at(token) ?? Number.NaN))
      this.lastSendMs = sentMs
    }
  }

  /** True when no further probe will be sent: the schedule ended or every connection closed. */
  private over(): boolean {
    if (this.tally.scheduled >= this.maxProbes || this.schedule.nextDueMs() >= this.stopAtMs) {
      return true
    }
    return this.nextOpen(false) === undefined
  }

  private send(intendedMs: number): void {
    const tally = this.tally
    tally.scheduled++
    if (tally.inFlight >= this.options.maxInFlight) {
      tally.backlogged++
      tally.firstError ??= backlogError(this.options.maxInFlight)
      return
    }
    const connection = this.nextOpen(true)
    if (connection === undefined) {
      tally.failures++
      tally.firstError ??= new HealthError('WSH_ERR_CONNECTION_LOST', 'every connection closed')
      return
    }
    const token = tally.sent
    this.dueBySend.add(intendedMs)
    tally.sent++
    tally.inFlight++
    connection.probeTo(this.probeOptions, this, token)
    if (this.bursting) return
    // Sent once the write has handed it to the kernel (a burst stamps its probes after its write).
    const sentMs = this.options.clock.nowMs()
    this.lastSendMs = sentMs
    this.lateness.add(sentMs - intendedMs)
  }

  /** The next open connection in round-robin order (moving on when `advance`), or undefined when all closed. */
  private nextOpen(advance: boolean): Connection | undefined {
    const connections = this.options.connections
    let lane = this.lane
    for (let tried = 0; tried < connections.length; tried++) {
      const connection = connections[lane]
      lane = (lane + 1) % connections.length
      if (connection.readyState === 'OPEN') {
        if (advance) this.lane = lane
        return connection
      }
    }
    return undefined
  }

  private settled(): void {
    if (--this.tally.inFlight === 0) this.drained?.()
  }

  /**
   * Waits for the next send by turning the event loop (setImmediate) while
   * it is due within SPIN_WINDOW_MS: Node's timers fire up to ~1 ms late,
   * and that lateness would be charged to every probe as latency. Each turn
   * sends what fell due; resolves once the next send is further off, the
   * schedule is over or the signal aborted (the caller looks at which).
   */
  private spin(): Promise<void> {
    return new Promise((resolve) => {
      this.spun = resolve
      setImmediate(this.onSpinTurn)
    })
  }

  private spinTurn(): void {
    if (!this.options.signal.aborted) {
      this.takeDue()
      const aheadMs = this.schedule.nextDueMs() - this.options.clock.nowMs()
      if (!this.over() && aheadMs <= SPIN_WINDOW_MS) {
        setImmediate(this.onSpinTurn)
        return
      }
    }
    const spun = this.spun
    this.spun = noop
    spun()
  }
}

function noop(): void {}

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
