/**
 * Ramping a load pool in steps: grow to the step's connection count, drive
 * traffic for the step's time, and measure what that load got (throughput,
 * p50/p95 latency, error rate). Shared by concurrent-connections (ramp to
 * connection_count) and stress mode (ramp past it).
 */
import type { Clock } from '../metrics/clock.js'
import { createSampleRecorder } from '../metrics/recorder.js'
import type { GrowResult, LoadPool, PoolTotals } from './load-pool.js'

/** What one step measured. JSON-safe (a `type`, so it is a MetricValue). */
export type StepFigures = {
  /** Connections open while the step sampled. */
  connections: number
  /** Probe replies per second during the step. */
  msgsPerSec: number
  p50Ms: number | null
  p95Ms: number | null
  /** Failed probes (backlogged ones included), failed opens and drops over probes due (sent or backlogged) plus opens attempted, 0-1; null when nothing was attempted. */
  errorRate: number | null
  sent: number
  /**
   * Open loop: probes that fell due while their connection's window was full,
   * not sent, counted in errors (WSH_ERR_PROBE_BACKLOG). Optional: reports
   * written before it existed lack it.
   */
  backlogged?: number
  replies: number
  errors: number
  openAttempts: number
  openFailures: number
  /** Opens this process could not make (EMFILE/ENFILE); not errors of the service, not in errorRate. Optional: reports written before it existed lack it. */
  fdFailures?: number
  drops: number
  /** Sampling time of the step in ms, including the wait for its last replies. */
  durationMs: number
  /**
   * Probes still in flight when the step ended, after waiting settleMs for
   * them: sent in this step, neither answered nor timed out within it. Not
   * errors (the service may still answer), not in replies or latency.
   */
  unansweredAtClose?: number
  /**
   * Of those, probes answered after the step ended (while later steps ran):
   * counted here, the step they were sent in, not in any later step's
   * replies, throughput or latency. Updated until the pool closes.
   */
  lateReplies?: number
}

export interface StepResult {
  figures: StepFigures
  grow: GrowResult
  /** RTTs (ms) and arrival times (Clock.nowMs) of the step's replies, in arrival order. */
  rtts: Float64Array
  times: Float64Array
}

export interface StepOptions {
  /** Connections the step runs with. */
  connections: number
  /** Sampling time after growing, in ms. */
  sampleMs: number
  /** After sampling, how long to wait for the step's probes still in flight, in ms (default 0). */
  settleMs?: number
  clock: Clock
  /** Stop opening new connections once Clock.nowMs passes this (default: no limit). */
  growUntilMs?: number
  onOpened?(open: number): void
  onTick?(): void
}

/**
 * `steps` connection counts rising evenly to `total` (e.g. 4 steps of 200:
 * 50, 100, 150, 200); fewer when `total` is smaller than `steps`.
 */
export function rampTargets(total: number, steps: number): number[] {
  if (!Number.isInteger(total) || total < 1) {
    throw new RangeError(`total: got ${total}; expected an integer >= 1`)
  }
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`steps: got ${steps}; expected an integer >= 1`)
  }
  const count = Math.min(steps, total)
  const targets: number[] = []
  for (let i = 1; i <= count; i++) {
    const target = Math.ceil((total * i) / count)
    if (targets.at(-1) !== target) targets.push(target)
  }
  return targets
}

/**
 * Connection counts from `start`, multiplied by `factor` each step, ending
 * exactly at `cap` (e.g. 10, 20, 40, 80, 100); at most `maxSteps` entries.
 */
export function geometricTargets(start: number, cap: number, factor = 2, maxSteps = 12): number[] {
  if (!(factor > 1)) throw new RangeError(`factor: got ${factor}; expected a number > 1`)
  const first = Math.max(1, Math.min(start, cap))
  const targets = [first]
  while (targets.length < maxSteps && targets[targets.length - 1] < cap) {
    targets.push(Math.min(cap, Math.ceil(targets[targets.length - 1] * factor)))
  }
  return targets
}

function snapshot(totals: Readonly<PoolTotals>): PoolTotals {
  return { ...totals }
}

/** Grows `pool` to the step's size, drives it for `sampleMs` and measures the step. */
export async function runStep(pool: LoadPool, options: StepOptions): Promise<StepResult> {
  const { clock } = options
  const before = snapshot(pool.totals)
  const grow = await pool.grow(options.connections, options.onOpened, options.growUntilMs)
  const sampling = snapshot(pool.totals)
  const rtts = createSampleRecorder({ initialCapacity: 4096 })
  const times = createSampleRecorder({ initialCapacity: 4096 })
  pool.sink = { rtts, times }
  const connections = pool.openCount()
  const startMs = clock.nowMs()
  await pool.drive(startMs + options.sampleMs, options.onTick)
  await pool.settle(clock.nowMs() + (options.settleMs ?? 0))
  const durationMs = clock.nowMs() - startMs
  pool.sink = undefined
  const after = pool.totals
  const sent = after.sent - sampling.sent
  const replies = after.replies - sampling.replies
  const openAttempts = after.openAttempts - before.openAttempts
  const openFailures = after.openFailures - before.openFailures
  const fdFailures = after.fdFailures - before.fdFailures
  const drops = after.drops - before.drops
  const backlogged = after.backlogged - sampling.backlogged
  const probeErrors = after.timeouts - sampling.timeouts + (after.failures - sampling.failures)
  const errors = probeErrors + openFailures + drops
  // Opens that never reached the service (out of descriptors here) are not attempts on it.
  // A backlogged probe was due but never sent: an attempt that failed, like a timeout.
  const attempts = sent + backlogged + openAttempts - fdFailures
  const summary = rtts.summary()
  const figures: StepFigures = {
    connections,
    msgsPerSec: durationMs > 0 ? replies / (durationMs / 1000) : 0,
    p50Ms: summary.p50,
    p95Ms: summary.p95,
    errorRate: attempts === 0 ? null : Math.min(1, errors / attempts),
    sent,
    backlogged,
    replies,
    errors,
    openAttempts,
    openFailures,
    fdFailures,
    drops,
    durationMs,
    unansweredAtClose: 0,
    lateReplies: 0
  }
  // Same tick as the figures above: no reply lands between them. Late replies to this
  // step's probes are counted into `figures` itself (closeStep keeps it as their ledger).
  figures.unansweredAtClose = pool.closeStep(figures as { lateReplies: number })
  return {
    figures,
    grow,
    rtts: rtts.values().slice(),
    times: times.values().slice()
  }
}
