/**
 * Stress mode: ramps connections in steps past connection_count (bounded by
 * max_connections and the process's file-descriptor budget), offers each
 * step a fixed arrival rate (open loop, as k6's ramping-arrival-rate: every
 * connection probes on its own schedule and each RTT counts from the probe's
 * intended send, so a stall of the service is not diluted by the replies
 * around it), sends a burst of large messages per step, and finds the
 * breaking point: the first step whose p95 latency or error rate crosses its
 * threshold. Then it reports degradation
 * over time and against load, and the resource-exhaustion scenarios.
 * Stress connections are not recorded in the run's metrics: they overload
 * the service on purpose.
 */
import { degradation } from '../metrics/regression.js'
import {
  againstLoad,
  breaking,
  errorRateLimit,
  verdict,
  type StressReport,
  type StressStep
} from './breaking-point.js'
import {
  idleConnections,
  oversizedMessage,
  slowReader,
  type ScenarioContext
} from './exhaustion.js'
import { abortable } from './deadline.js'
import { connectionBudget, readFdLimit, type FdLimit } from './fd-limit.js'
import { createLoadPool, type LoadPool } from './load-pool.js'
import type { MetricValue } from './model.js'
import { geometricTargets, runStep } from './ramp.js'

export type { BreakingPoint, StressReport, StressStep } from './breaking-point.js'

export const STRESS_DEFAULTS = {
  /**
   * ms between probes on one connection: the interval concurrent-connections
   * uses (MIN_PROBE_INTERVAL_MS), so a step offers connections x 10 probes/s
   * and the first step offers what that suite's last step did.
   */
  probeIntervalMs: 100,
  /** Connections multiply by this from one step to the next. */
  factor: 2,
  /** Ramp steps at most, whatever the limits. */
  maxSteps: 10,
  /** A step samples at least this long, in ms. */
  minStepMs: 300,
  /** Share of the budget the ramp gets; the scenarios get the rest. */
  rampShare: 0.7,
  /** Connections carrying the large-message burst of each step. */
  burstConnections: 5,
  /** Descriptors the scenarios need besides the pool (slow reader, its checker, oversize). */
  scenarioDescriptors: 4
} as const

/** Why a ramp stopped short of its plan when time ran out. */
const TIME_BUDGET_REASON = 'stress time budget (raise duration or open_rate)'

/**
 * The scenarios' view of the run plus stress mode's own settings. `connect`
 * is the run's connector (stress passes `record: false` to it); `signal`
 * aborts stress mode, which then returns what it measured.
 */
export interface StressOptions extends ScenarioContext {
  /** Time stress mode may take, in ms. */
  budgetMs: number
  progress?(done: number, total: number, note?: string): void
  /** Overrides the limit read from /proc (tests). */
  fdLimit?: FdLimit
  /** 2 when the service runs in this process (each connection also costs an accepted socket). */
  descriptorsPerConnection?: number
  /** Overrides the computed sampling time per step, in ms (tests). */
  stepMs?: number
  /** Runs the resource-exhaustion scenarios (default true). */
  scenarios?: boolean
}

/**
 * Probes one stress connection may have outstanding in a step of
 * `connections`: max_in_flight shared by them, so no step exceeds it; at least 1.
 */
function stressWindow(maxInFlight: number, connections: number): number {
  return Math.max(1, Math.floor(maxInFlight / connections))
}

async function burst(pool: LoadPool, options: StressOptions): Promise<StressStep['burst']> {
  if (options.canCarry('large') !== true) return null
  const bytes = options.config.largePayloadBytes
  const timeoutMs = Math.min(options.config.thresholds.messageTimeoutMs, 10_000)
  const carriers = pool.slots
    .filter((slot) => slot.connection?.readyState === 'OPEN')
    .slice(0, STRESS_DEFAULTS.burstConnections)
  // Probes take no signal: without this a cut run would wait out their timeouts (up to 10 s).
  const trips = await abortable(
    Promise.allSettled(
      carriers.map((slot) => slot.connection!.probe({ kind: 'large', bytes, timeoutMs }))
    ),
    options.signal
  ).catch(() => null)
  if (trips === null) return null
  let intact = 0
  let maxRttMs: number | null = null
  for (const trip of trips) {
    if (trip.status !== 'fulfilled') continue
    if (trip.value.intact) intact++
    maxRttMs = Math.max(maxRttMs ?? 0, trip.value.rttMs)
  }
  return { sent: carriers.length, intact, maxRttMs, bytes }
}

/**
 * Runs stress mode and returns the report's `stress` block. Never rejects;
 * bounded by `budgetMs` (plus handshake and close timeouts) and `signal`.
 */
export async function runStress(options: StressOptions): Promise<StressReport> {
  const { config, clock, signal } = options
  const d = STRESS_DEFAULTS
  const fd = options.fdLimit ?? readFdLimit()
  const perConnection = options.descriptorsPerConnection ?? 1
  const fdBudget = Math.max(
    0,
    connectionBudget(fd, perConnection) - d.scenarioDescriptors * perConnection
  )
  const plannedMax = Math.max(1, Math.min(config.maxConnections, fdBudget))
  const targets = geometricTargets(config.connectionCount, plannedMax, d.factor, d.maxSteps)
  const scenarios = options.scenarios ?? true
  const rampMs = options.budgetMs * (scenarios ? d.rampShare : 1)
  const openMs = (plannedMax * 1000) / config.openRatePerSec
  const stepMs = options.stepMs ?? Math.max(d.minStepMs, (rampMs - openMs) / targets.length)
  const p95Limit = config.thresholds.p95LatencyMs
  // A probe slower than 4x the p95 limit has already broken it; waiting 30 s would stall the step.
  const probeTimeoutMs = Math.min(config.thresholds.messageTimeoutMs, Math.max(1_000, 4 * p95Limit))
  const pool = createLoadPool({
    connect: options.connect,
    clock,
    signal,
    labelPrefix: 'stress_',
    openRatePerSec: config.openRatePerSec,
    record: false,
    // A fixed schedule per connection: probes due while the window is full fail as
    // backlogged (WSH_ERR_PROBE_BACKLOG) instead of waiting for the service.
    pacing: 'open-loop',
    window: stressWindow(config.maxInFlight, targets[0]),
    intervalMs: d.probeIntervalMs,
    heartbeatIntervalMs: 0,
    timeoutMs: probeTimeoutMs
  })
  const report: StressReport = {
    steps: [],
    breakingPoint: null,
    verdict: '',
    limits: {
      maxConnections: config.maxConnections,
      fdSoftLimit: fd.soft,
      fdSource: fd.source,
      fdBudget,
      plannedMax,
      p95LimitMs: p95Limit,
      errorRateLimit: errorRateLimit(config)
    },
    stoppedAt: null,
    degradation: { overTime: null, againstLoad: null },
    scenarios: {}
  }
  let lastGood: { rtts: Float64Array; times: Float64Array } | undefined
  const rampEndMs = clock.nowMs() + rampMs
  try {
    for (const [index, target] of targets.entries()) {
      if (signal.aborted) break
      if (index > 0 && clock.nowMs() >= rampEndMs) {
        report.stoppedAt = { connections: pool.openCount(), reason: TIME_BUDGET_REASON }
        break
      }
      pool.setWindow(stressWindow(config.maxInFlight, target))
      const step = await runStep(pool, {
        connections: target,
        sampleMs: stepMs,
        settleMs: probeTimeoutMs,
        clock,
        growUntilMs: rampEndMs
      })
      // The step's own object, not a copy: replies to its probes that arrive later are
      // counted into it (StepFigures.lateReplies).
      const figures: StressStep = Object.assign(step.figures, {
        offeredMsgsPerSec: (step.figures.connections * 1000) / d.probeIntervalMs,
        burst: await burst(pool, options)
      })
      if (figures.burst) {
        const failed = figures.burst.sent - figures.burst.intact
        figures.errors += failed
        const attempts =
          figures.sent +
          (figures.backlogged ?? 0) +
          figures.openAttempts -
          (figures.fdFailures ?? 0) +
          figures.burst.sent
        figures.errorRate = attempts === 0 ? null : Math.min(1, figures.errors / attempts)
      }
      report.steps.push(figures)
      options.progress?.(
        index + 1,
        targets.length,
        `stress step ${index + 1}: ${figures.connections} connections`
      )
      // Out of descriptors is this process's limit, not the service's breaking
      // point: the step ran short of its target at a limit of ours, so it is
      // reported but not judged.
      if (step.grow.fdExhausted) {
        report.stoppedAt = { connections: pool.openCount(), reason: 'file-descriptor limit' }
        break
      }
      report.breakingPoint = breaking(figures, config)
      if (report.breakingPoint) break
      lastGood = { rtts: step.rtts, times: step.times }
      if (step.grow.failed > 0) {
        report.stoppedAt = { connections: pool.openCount(), reason: 'service refused connections' }
        break
      }
      if (step.grow.outOfTime) {
        report.stoppedAt = { connections: figures.connections, reason: TIME_BUDGET_REASON }
        break
      }
    }
    if (!report.breakingPoint && !report.stoppedAt && fdBudget < config.maxConnections) {
      report.stoppedAt = { connections: pool.openCount(), reason: 'file-descriptor limit' }
    }
    if (lastGood && lastGood.rtts.length >= 2) {
      report.degradation.overTime = { ...degradation(lastGood.times, lastGood.rtts) }
    }
    report.degradation.againstLoad = againstLoad(report.steps)
    if (scenarios && !signal.aborted) {
      const share = Math.max(600, options.budgetMs - rampMs)
      const ctx = {
        config,
        target: options.target,
        connect: options.connect,
        canCarry: options.canCarry,
        clock,
        signal
      }
      report.scenarios.idleConnections = await idleConnections(
        pool,
        ctx,
        share / 3,
        Math.min(1_000, share / 6)
      )
      await pool.closeAll()
      report.scenarios.slowReader = await slowReader(ctx, Math.min(1_500, share / 6))
      report.scenarios.oversizedMessage = await oversizedMessage(ctx)
    }
  } finally {
    await pool.closeAll()
  }
  report.verdict = verdict(report)
  return report
}

/** The report's `stress` block (StressReport is JSON-safe as it is). */
export function stressMetrics(report: StressReport): { [key: string]: MetricValue } {
  return { ...report }
}
