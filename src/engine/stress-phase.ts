/**
 * Stress mode as a phase of a run: after the suites, with the share of the
 * duration splitDuration gives it, under a deadline that keeps the whole run
 * within `duration` + 60 s. It talks to the service directly (never through
 * the chaos relay: injected faults would hide the load at which the service
 * itself breaks) and never records into the run's metrics.
 *
 * Its effect on the verdict: the breaking point is information (the suites'
 * thresholds judge health), unless it lies below connection_count, which
 * means the service cannot carry its normal number of connections: then a
 * run that would have passed is degraded.
 */
import { connectionOptionsFromConfig, createConnector } from '../client/connection.js'
import type { ProbeProtocol } from '../client/protocol.js'
import type { Config } from '../config/schema.js'
import { describeError } from '../errors.js'
import type { Clock } from '../metrics/clock.js'
import { errorRateLimit } from './breaking-point.js'
import { ABORT_GRACE_MS, SUITE_GRACE_MS, createDeadline, pause } from './deadline.js'
import type { MetricValue } from './model.js'
import { runStress, stressMetrics, type StressOptions, type StressReport } from './stress.js'
import type { StressEffect } from './stress-verdict.js'

/** Test hooks passed through to runStress (limits, step time, scenarios). */
export type StressOverrides = Partial<
  Pick<StressOptions, 'fdLimit' | 'descriptorsPerConnection' | 'stepMs' | 'scenarios'>
>

export interface StressPhaseOptions {
  config: Config
  /** The service URL (not the chaos relay). */
  url: string
  protocol: ProbeProtocol
  clock: Clock
  /** Stress mode's share of the duration, in ms (splitDuration's stressMs). */
  budgetMs: number
  /** Clock.nowMs by which stress mode must have returned (the run's end minus the report reserve). */
  endByMs: number
  /** Time added to the budget for fixed work (settles, bursts, scenarios), in ms (default SUITE_GRACE_MS). */
  graceMs?: number
  /** Time stress mode gets after its deadline to return what it measured, in ms (default ABORT_GRACE_MS). */
  abortGraceMs?: number
  /** The run's signal (SIGINT). */
  signal?: AbortSignal
  progress?(done: number, total: number, note?: string): void
  overrides?: StressOverrides
  /** Set when the service went down during the suites: stress mode is not run, for this reason. */
  notRunBecause?: string
}

/** How the stress result bears on the verdict (see the module comment). */
export function stressEffect(stress: StressReport, connectionCount: number): StressEffect {
  const bp = stress.breakingPoint
  if (bp !== null && bp.connections < connectionCount) {
    return {
      connectionCount,
      degradesRun: true,
      note: `the breaking point (${bp.connections} connections) is below connection_count (${connectionCount}): the service breaks under its normal load, so the run is at best degraded`
    }
  }
  return {
    connectionCount,
    degradesRun: false,
    note:
      bp === null
        ? 'no breaking point: information only, the suites judge health'
        : `the breaking point is at or above connection_count (${connectionCount}): information only, the suites judge health`
  }
}

/** A stress report for a phase that measured nothing, with the reason as its verdict. */
function notRun(config: Config, reason: string): StressReport {
  return {
    steps: [],
    breakingPoint: null,
    verdict: reason,
    limits: {
      maxConnections: config.maxConnections,
      fdSoftLimit: 0,
      fdSource: 'not read',
      fdBudget: 0,
      plannedMax: 0,
      p95LimitMs: config.thresholds.p95LatencyMs,
      errorRateLimit: errorRateLimit(config)
    },
    stoppedAt: null,
    degradation: { overTime: null, againstLoad: null },
    scenarios: {}
  }
}

/**
 * Runs stress mode within the time left and returns the report's `stress`
 * block: the StressReport plus `effect` (StressEffect). Never rejects.
 */
export async function runStressPhase(
  options: StressPhaseOptions
): Promise<{ block: { [key: string]: MetricValue }; effect: StressEffect }> {
  const { config, clock } = options
  const graceMs = options.graceMs ?? SUITE_GRACE_MS
  const leftMs = options.endByMs - clock.nowMs()
  // Shrink the sampling budget when the suites overran theirs, so the fixed work still fits.
  const budgetMs = Math.min(options.budgetMs, leftMs - graceMs)
  let report: StressReport
  if (options.notRunBecause !== undefined) {
    report = notRun(config, `stress mode not run: ${options.notRunBecause}`)
  } else if (options.signal?.aborted) {
    report = notRun(config, 'stress mode not run: the run was cancelled')
  } else if (budgetMs <= 0) {
    report = notRun(
      config,
      `stress mode not run: only ${Math.max(0, Math.round(leftMs))} ms were left before the run's deadline`
    )
  } else {
    report = await boundedStress(options, budgetMs, budgetMs + graceMs)
  }
  const effect = stressEffect(report, config.connectionCount)
  return { block: { ...stressMetrics(report), effect }, effect }
}

async function boundedStress(
  options: StressPhaseOptions,
  budgetMs: number,
  limitMs: number
): Promise<StressReport> {
  const { config, clock, protocol } = options
  const deadline = createDeadline(limitMs, 'stress mode', options.signal)
  // Stress connections pass record:false, so this connector needs no recorder.
  const connect = createConnector({
    url: options.url,
    clock,
    protocol,
    labelPrefix: 'stress_',
    ...connectionOptionsFromConfig(config)
  })
  const running = runStress({
    config,
    target: options.url,
    connect,
    canCarry: protocol.canCarry,
    clock,
    signal: deadline.signal,
    budgetMs,
    progress: options.progress,
    ...options.overrides
  })
  // runStress returns soon after its signal aborts; if it does not, the run goes on without it.
  const giveUp = new AbortController()
  const cut = new Promise<null>((resolve) => {
    const onAbort = (): void => {
      void pause(options.abortGraceMs ?? ABORT_GRACE_MS, giveUp.signal).then(() => resolve(null))
    }
    if (deadline.signal.aborted) onAbort()
    else deadline.signal.addEventListener('abort', onAbort, { once: true })
    giveUp.signal.addEventListener('abort', () => resolve(null), { once: true })
  })
  try {
    const report = await Promise.race([running, cut])
    return (
      report ??
      notRun(config, `stress mode cut: it did not return within ${Math.round(limitMs)} ms`)
    )
  } catch (error) {
    // runStress does not reject; this keeps the run's report if that ever changes.
    return notRun(config, `stress mode failed: ${describeError(error)}`)
  } finally {
    giveUp.abort()
    deadline.dispose()
  }
}
