/**
 * concurrent-connections: opens connection_count connections at a bounded
 * rate in ramp steps, keeps every one exchanging probes on a fixed schedule
 * (open loop: each RTT counts from the probe's scheduled send), and checks
 * that all opened, none dropped, every one was served fairly (Jain's index
 * and max/median spread of throughput and latency) and that p95 latency
 * stayed stable from the first ramp step to the last. On a path that
 * drops connections (SuiteContext.path) what no-drops judges is whether
 * each drop healed.
 */
import { connectionBudget, readFdLimit, type FdLimit } from '../engine/fd-limit.js'
import { createLoadPool, MAX_RECONNECTS, type LoadPool } from '../engine/load-pool.js'
import type { Check, MetricValue } from '../engine/model.js'
import { perConnectionMetrics } from '../engine/per-connection.js'
import { rampTargets, runStep, type StepFigures } from '../engine/ramp.js'
import { judgeConcurrency } from './concurrent-checks.js'

export { LOSSY_MIN_FAIR_REPLIES } from './concurrent-checks.js'
import {
  crossTalkCheck,
  duplicatesCheck,
  integrityNow,
  integritySince
} from './integrity-checks.js'
import type { Suite, SuiteContext } from '../engine/suite-types.js'
import { SUITE_CATALOG } from './catalog.js'

/** Ramp steps from a quarter of the connections to all of them. */
export const RAMP_STEPS = 4
/**
 * Ramp steps on a lossy path: the fewest that still show latency as
 * connections grow. Every step waits out the slowest round trip the path
 * allows before it is measured, so four would cost the run's deadline
 * seconds it lacks.
 */
export const LOSSY_RAMP_STEPS = 2
/** Each connection sends at most one probe per this many ms, so the offered load stays modest. */
export const MIN_PROBE_INTERVAL_MS = 100
/**
 * Offered load across all connections stays under this (msgs/s): the suite
 * measures concurrency, not capacity (stress mode does that), so latency
 * may only grow with connections if the service struggles with them.
 */
export const MAX_SUITE_RATE = 5_000
/** Heartbeat (RFC 6455 ping) period per connection, in ms, and at least this many probe intervals. */
export const HEARTBEAT_INTERVAL_MS = 1_000
export const HEARTBEAT_INTERVALS = 5
/** A step samples at least this many probe intervals, so every connection is heard in every step. */
export const STEP_INTERVALS = 2
/** A step samples at least this long (ms), whatever the budget. */
export const MIN_STEP_MS = 150
/** Latencies under this share of the p95 limit count as equal for fairness and stability. */
export const LATENCY_FLOOR_SHARE = 0.05
type Outcome = { checks: Check[]; metrics: { [key: string]: MetricValue } }

export interface ConcurrentSuiteOptions {
  /** Reads the process's descriptor limit (default readFdLimit; tests inject a small one). */
  readFdLimit?: () => FdLimit
  /** Descriptors each connection costs (default 1; 2 when the service runs in this process). */
  descriptorsPerConnection?: number
}

async function run(ctx: SuiteContext, options: ConcurrentSuiteOptions): Promise<Outcome> {
  const { config, clock } = ctx
  const integrityBefore = integrityNow(ctx)
  const { thresholds } = config
  const total = config.connectionCount
  // Latencies within what the path's delays alone add count as equal too: fairness and
  // stability then judge the service, not which probes the path slowed.
  const addedDelayMs = ctx.path.maxAddedDelayMs
  const floorMs = Math.max(1, thresholds.p95LatencyMs * LATENCY_FLOOR_SHARE, addedDelayMs)
  const intervalMs = Math.max(MIN_PROBE_INTERVAL_MS, (total * 1000) / MAX_SUITE_RATE)
  // Where the path drops connections on purpose, what is judged is whether each drop healed
  // (reopened within the path's heal window and served again). The connector starts its last
  // attempt at the end of that window: that handshake may take connect_time. Without a heal
  // window (a direct path, or a scheduled outage) every drop is judged as one.
  const healWithinMs =
    ctx.path.healWindowMs === undefined
      ? undefined
      : ctx.path.healWindowMs + thresholds.connectTimeMs
  const pool = createLoadPool({
    connect: ctx.connect,
    clock,
    signal: ctx.signal,
    labelPrefix: 'conn_',
    openRatePerSec: config.openRatePerSec,
    // Each connection probes on a fixed schedule (open loop): a stalled connection's probes
    // still fall due and count from then. max_in_flight bounds them across the connections.
    pacing: 'open-loop',
    window: inFlightPerConnection(config.maxInFlight, total),
    intervalMs,
    heartbeatIntervalMs: Math.max(HEARTBEAT_INTERVAL_MS, HEARTBEAT_INTERVALS * intervalMs),
    timeoutMs: thresholds.messageTimeoutMs,
    ...(healWithinMs === undefined
      ? {}
      : {
          healing: {
            healWithinMs,
            // Every injected drop is reopened; bounded by one per probe interval of the budget.
            maxReconnects: Math.max(MAX_RECONNECTS, Math.ceil(ctx.budgetMs / intervalMs))
          }
        })
  })
  // Never plan past the process's descriptors: EMFILE mid-run would be our failure, not the service's.
  const fdBudget = connectionBudget(
    (options.readFdLimit ?? readFdLimit)(),
    options.descriptorsPerConnection ?? 1
  )
  const planned = Math.max(1, Math.min(total, fdBudget))
  const targets = rampTargets(planned, ctx.path.lossy ? LOSSY_RAMP_STEPS : RAMP_STEPS)
  const openMs = (planned * 1000) / config.openRatePerSec
  // Every connection must send at least once per step (phases spread over one interval).
  const stepMs = Math.max(
    MIN_STEP_MS,
    STEP_INTERVALS * intervalMs,
    (ctx.budgetMs - openMs) / targets.length
  )
  const steps: StepFigures[] = []
  let attempted = 0
  let fdExhausted = planned < total
  try {
    for (const [index, target] of targets.entries()) {
      if (ctx.signal.aborted) break
      const step = await runStep(pool, {
        connections: target,
        sampleMs: stepMs,
        // On a lossy path a slowed reply may take the added delay to arrive, and a probe the
        // path lost would hold the settle for the whole step: wait for the slowest round trip only.
        settleMs: ctx.path.lossy
          ? ctx.path.tries.timeoutMs
          : Math.min(thresholds.messageTimeoutMs, stepMs),
        clock,
        onOpened: (open) => {
          if (open % 50 === 0) ctx.progress(open, total, 'opening connections')
        }
      })
      attempted += step.grow.attempted
      fdExhausted ||= step.grow.fdExhausted
      steps.push(step.figures)
      ctx.progress(index + 1, targets.length, `ramp step ${index + 1} of ${targets.length}`)
      // A refusing service will not take the next step's connections either.
      if (step.grow.failed > 0 || step.grow.fdExhausted) break
    }
  } finally {
    await pool.closeAll()
  }

  const slots = pool.slots
  const opened = slots.length
  const totals = pool.totals
  const heal = pool.heal
  const { checks, fair } = judgeConcurrency({
    slots,
    totals,
    heal,
    openError: pool.firstOpenError,
    probeError: pool.firstProbeError,
    fdError: pool.firstFdError,
    total,
    planned,
    attempted,
    fdExhausted,
    aborted: ctx.signal.aborted,
    steps,
    thresholds,
    floorMs,
    healWithinMs,
    lossy: ctx.path.lossy,
    addedDelayMs
  })
  // Many connections at once are where a misrouted reply shows: judged here, critical.
  const integrity = integritySince(integrityBefore, integrityNow(ctx))
  checks.push(crossTalkCheck(ctx, integrity, opened), duplicatesCheck(ctx, integrity))
  if (fair === null) {
    return { checks, metrics: { connections: { target: total, opened, attempted }, steps } }
  }
  return {
    checks,
    metrics: {
      connections: {
        target: total,
        opened,
        attempted,
        openFailures: totals.openFailures,
        drops: totals.drops,
        ...(heal === undefined
          ? {}
          : {
              dropsHealed: heal.healed,
              probesLostToDrops: heal.lostToDrops,
              reopeningsPendingAtClose: heal.pendingAtClose
            }),
        reconnections: slots.reduce((sum, s) => sum + s.reconnections, 0),
        fdExhausted,
        fdBudget,
        fdFailures: totals.fdFailures
      },
      probes: probeMetrics(totals, intervalMs, inFlightPerConnection(config.maxInFlight, total)),
      steps,
      fairness: { ...fair },
      perConnection: perConnectionMetrics(slots)
    }
  }
}

/** The suite's `probes` metric: what the pool sent and got, and how it paced it. */
function probeMetrics(
  totals: LoadPool['totals'],
  intervalMs: number,
  window: number
): { [key: string]: MetricValue } {
  return {
    sent: totals.sent,
    replies: totals.replies,
    timeouts: totals.timeouts,
    failures: totals.failures,
    backlogged: totals.backlogged,
    intervalMs,
    pacing: 'open-loop',
    inFlightPerConnection: window
  }
}

/** Probes one connection may have outstanding: max_in_flight shared by the connections, at least 1. */
export function inFlightPerConnection(maxInFlight: number, connections: number): number {
  return Math.max(1, Math.floor(maxInFlight / connections))
}

/** The suite with injected limits (tests); the registry uses concurrentConnectionsSuite. */
export function createConcurrentConnectionsSuite(options: ConcurrentSuiteOptions = {}): Suite {
  return { ...SUITE_CATALOG['concurrent-connections'], run: (ctx) => run(ctx, options) }
}

export const concurrentConnectionsSuite: Suite = createConcurrentConnectionsSuite()
