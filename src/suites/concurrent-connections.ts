/**
 * concurrent-connections: opens connection_count connections at a bounded
 * rate in ramp steps, keeps every one exchanging paced probes, and checks
 * that all opened, none dropped, every one was served fairly (Jain's index
 * and max/median spread of throughput and latency) and that p95 latency
 * stayed stable from the first ramp step to the last.
 */
import { chaosFaults, chaosProbeTimeoutMs, chaosRetryWindowMs } from '../engine/chaos-mode.js'
import { failedToMeasure, measure, skipped, verify } from '../engine/checks.js'
import { connectionBudget, readFdLimit, type FdLimit } from '../engine/fd-limit.js'
import { createLoadPool, MAX_RECONNECTS } from '../engine/load-pool.js'
import type { Check, MetricValue } from '../engine/model.js'
import { fairness, perConnectionMetrics } from '../engine/per-connection.js'
import { rampTargets, runStep, type StepFigures } from '../engine/ramp.js'
import { HealthError, describeError } from '../errors.js'
import type { Suite, SuiteContext } from './types.js'

/** Ramp steps from a quarter of the connections to all of them. */
export const RAMP_STEPS = 4
/**
 * Ramp steps under chaos mode: the fewest that still show latency as
 * connections grow. Every step waits out the slowest injected delay before
 * it is measured, so four would cost the run's deadline seconds it lacks.
 */
export const CHAOS_RAMP_STEPS = 2
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
/** Under chaos, fairness compares only connections with at least this many replies. */
export const CHAOS_MIN_FAIR_REPLIES = 3

const IDS = {
  opened: { id: 'all-opened', title: 'all connections opened' },
  drops: { id: 'no-drops', title: 'no connection dropped' },
  served: { id: 'all-served', title: 'every connection served' },
  throughput: { id: 'fairness-throughput', title: 'throughput fair across connections' },
  latency: { id: 'fairness-latency', title: 'latency fair across connections' },
  stable: { id: 'latency-stable', title: 'latency stable as connections grow' }
} as const

type Outcome = { checks: Check[]; metrics: { [key: string]: MetricValue } }

export interface ConcurrentSuiteOptions {
  /** Reads the process's descriptor limit (default readFdLimit; tests inject a small one). */
  readFdLimit?: () => FdLimit
  /** Descriptors each connection costs (default 1; 2 when the service runs in this process). */
  descriptorsPerConnection?: number
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100
}

async function run(ctx: SuiteContext, options: ConcurrentSuiteOptions): Promise<Outcome> {
  const { config, clock } = ctx
  const { thresholds } = config
  const total = config.connectionCount
  const margin = thresholds.degradedMargin
  const faults = chaosFaults(config)
  // Under chaos, latencies within what the injected delays alone add count as equal too:
  // fairness and stability then judge the service, not which probes the relay slowed.
  const injectedDelayMs =
    faults === undefined
      ? 0
      : (faults.slowResponse.probability > 0 ? faults.slowResponse.delayMs : 0) +
        (faults.networkDelay.probability > 0 ? faults.networkDelay.maxMs : 0)
  const floorMs = Math.max(1, thresholds.p95LatencyMs * LATENCY_FLOOR_SHARE, injectedDelayMs)
  const intervalMs = Math.max(MIN_PROBE_INTERVAL_MS, (total * 1000) / MAX_SUITE_RATE)
  // Under chaos the relay drops connections on purpose: what is judged is whether each drop
  // healed (reopened within the chaos connector's retry window and served again).
  // The connector starts its last attempt at the end of its window: that handshake may take connect_time.
  // With a scheduled outage window (chaos.outage) every drop is still judged as one, as before:
  // healing applies to the per-message faults only (the lead may extend it to outages).
  const healWithinMs =
    faults === undefined || config.chaos.outage !== undefined
      ? undefined
      : chaosRetryWindowMs(faults) + thresholds.connectTimeMs
  const pool = createLoadPool({
    connect: ctx.connect,
    clock,
    signal: ctx.signal,
    labelPrefix: 'conn_',
    openRatePerSec: config.openRatePerSec,
    window: 1,
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
  const targets = rampTargets(planned, faults ? CHAOS_RAMP_STEPS : RAMP_STEPS)
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
        // Under chaos a reply the relay slowed may take the injected delay to arrive, and a probe
        // it lost would hold the settle for the whole step: wait for the slowest round trip only.
        settleMs: faults
          ? chaosProbeTimeoutMs(faults, thresholds.messageTimeoutMs)
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
  const checks: Check[] = []
  const openError = pool.firstOpenError
  // What this process could try: the descriptor budget, or fewer when EMFILE struck first.
  const reachable =
    totals.fdFailures > 0 && totals.openFailures === 0 ? Math.min(planned, opened) : planned
  const fdNote = `stopped at ${reachable} of connection_count ${total} connections: file-descriptor limit of this process (raise ulimit -n)`
  const refusal =
    totals.openFailures > 0
      ? `service refused connections after ${opened} opened: ${describeError(openError)} (${totals.openFailures} of ${attempted} attempts failed)`
      : opened < reachable && ctx.signal.aborted
        ? `cut at ${opened} of ${reachable} connections by the suite deadline`
        : `${opened} of ${reachable} opened`
  const openedCheck = measure({
    ...IDS.opened,
    value: opened,
    unit: 'count',
    op: '>=',
    // Judged against what the tool could open: its own limit is not the service's failure.
    limit: reachable,
    code: opened < reachable ? errorCodeOf(openError) : undefined,
    detail: fdExhausted ? `${refusal}; ${fdNote}` : refusal
  })
  // All the tool could open did open, but connection_count was not tried: not measured, so not a pass.
  checks.push(
    fdExhausted && openedCheck.status === 'passed'
      ? {
          ...skipped(IDS.opened.id, IDS.opened.title, `${opened} opened; ${fdNote}`),
          value: opened,
          unit: 'count'
        }
      : openedCheck
  )
  if (opened === 0) {
    const reason = openError ?? pool.firstFdError ?? new HealthError('WSH_ERR_CONNECT', refusal)
    for (const key of ['drops', 'served', 'throughput', 'latency', 'stable'] as const) {
      checks.push(failedToMeasure(IDS[key].id, IDS[key].title, reason))
    }
    return { checks, metrics: { connections: { target: total, opened, attempted }, steps } }
  }
  const dropCodes = [...new Set(slots.filter((s) => s.drops > 0).map((s) => s.lastDropCode))]
  const heal = pool.heal
  if (heal !== undefined) {
    const unhealed = totals.drops - heal.healed
    checks.push(
      verify({
        ...IDS.drops,
        ok: unhealed === 0,
        value: unhealed,
        unit: 'count',
        expected: 0,
        message: `${unhealed} of ${totals.drops} injected drops not healed within ${healWithinMs} ms across ${opened} connections (${heal.healed} reopened and served again${heal.pendingAtClose > 0 ? `, ${heal.pendingAtClose} reopenings still pending at close` : ''}; ${heal.lostToDrops} probes lost with a drop, not judged${dropCodes.length > 0 ? `; close codes ${dropCodes.join(', ')}` : ''})`,
        code: unhealed === 0 ? undefined : 'WSH_ERR_CONNECTION_LOST'
      })
    )
  } else
    checks.push(
      verify({
        ...IDS.drops,
        ok: totals.drops === 0,
        value: totals.drops,
        unit: 'count',
        expected: 0,
        message:
          totals.drops === 0
            ? `0 of ${opened} connections dropped`
            : `${totals.drops} drops across ${opened} connections (close codes ${dropCodes.join(', ')})`,
        code: 'WSH_ERR_CONNECTION_LOST'
      })
    )
  const fair = fairness(slots, floorMs)
  // Under chaos a connection's throughput is over its time up (activeMs), and only
  // connections heard often enough are compared: a drop can leave one with too few replies.
  const fairSlots =
    heal === undefined
      ? slots
      : slots.filter((s) => s.activeMs > 0 && s.replies >= CHAOS_MIN_FAIR_REPLIES)
  const judgedFair = heal === undefined ? fair : fairness(fairSlots, floorMs)
  // Under chaos a connection whose every probe went with an injected drop (or was still in
  // flight at the end) was never judged: it is left out, and said so, instead of failed.
  const unjudged =
    heal === undefined
      ? 0
      : slots.filter((s) => s.replies === 0 && s.timeouts === 0 && s.failures === 0).length
  const servedOk = fair.served + unjudged === opened && fair.served > 0
  checks.push(
    verify({
      ...IDS.served,
      ok: servedOk,
      value: fair.served,
      unit: 'count',
      expected: opened - unjudged,
      message: `${fair.served} of ${opened} connections got at least one reply (${totals.timeouts} probes timed out, ${totals.failures} failed${heal === undefined ? '' : `; ${unjudged} connections not judged: their probes all went with injected drops or were still in flight`})`,
      code: servedOk ? undefined : 'WSH_ERR_MESSAGE_TIMEOUT'
    })
  )
  const fairnessCheck = (
    key: 'throughput' | 'latency',
    jain: number | null,
    spread: number | null
  ): Check =>
    fairSlots.length < 2
      ? skipped(
          IDS[key].id,
          IDS[key].title,
          `${fairSlots.length} of ${opened} connections had ${CHAOS_MIN_FAIR_REPLIES} replies while up under chaos; two are needed to compare`
        )
      : jain === null
        ? failedToMeasure(IDS[key].id, IDS[key].title, new Error('no replies to compare'))
        : measure({
            ...IDS[key],
            value: jain,
            unit: 'ratio',
            op: '>=',
            limit: thresholds.minFairness,
            margin,
            detail: `Jain's index over ${fairSlots.length} connections${heal === undefined ? '' : ' (throughput over their time up, under chaos)'}; max/median ${round(spread)}`
          })
  // One probe is in flight per connection, so under delay faults a connection's throughput is set by
  // how many of its replies the relay held: comparing it across connections would judge the faults.
  checks.push(
    injectedDelayMs > 0
      ? skipped(
          IDS.throughput.id,
          IDS.throughput.title,
          `chaos delay faults on: with one probe in flight per connection, throughput follows which replies the relay delayed (up to ${injectedDelayMs} ms each), not the service`
        )
      : fairnessCheck('throughput', judgedFair.throughputJain, judgedFair.throughputSpread)
  )
  checks.push(fairnessCheck('latency', judgedFair.latencyJain, judgedFair.latencySpread))
  checks.push(stabilityCheck(steps, floorMs, thresholds.maxDegradation, margin, heal !== undefined))

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
      probes: {
        sent: totals.sent,
        replies: totals.replies,
        timeouts: totals.timeouts,
        failures: totals.failures,
        intervalMs
      },
      steps,
      fairness: { ...fair },
      perConnection: perConnectionMetrics(slots)
    }
  }
}

/**
 * First vs last ramp step p95, both raised to the floor so loopback noise is
 * not growth. A step that sent probes and got no reply is the worst latency
 * there is, not a step to leave out: the check fails unmeasured.
 */
function stabilityCheck(
  steps: readonly StepFigures[],
  floorMs: number,
  maxDegradation: number,
  margin: number,
  chaos = false
): Check {
  // Under chaos a short step can be silent because of injected drops and slow responses
  // alone (no-drops judges whether those healed), so it is left out, not failed.
  const silent = chaos ? undefined : steps.find((s) => s.sent > 0 && s.replies === 0)
  if (silent !== undefined) {
    return measure({
      ...IDS.stable,
      value: null,
      unit: 'ratio',
      op: '<=',
      limit: maxDegradation,
      code: 'WSH_ERR_MESSAGE_TIMEOUT',
      detail: `no reply to ${silent.sent} probes at ${silent.connections} connections`
    })
  }
  const measured = steps.filter((s) => s.p95Ms !== null)
  if (steps.length < 2 || measured.length < 2) {
    return skipped(
      IDS.stable.id,
      IDS.stable.title,
      `${measured.length} ramp steps with replies; two are needed to compare first and last`
    )
  }
  const first = measured[0]
  const last = measured[measured.length - 1]
  const base = Math.max(first.p95Ms ?? 0, floorMs)
  const growth = (Math.max(last.p95Ms ?? 0, floorMs) - base) / base
  return measure({
    ...IDS.stable,
    value: growth,
    unit: 'ratio',
    op: '<=',
    limit: maxDegradation,
    margin,
    detail: `p95 ${round(first.p95Ms)} ms at ${first.connections} connections, ${round(last.p95Ms)} ms at ${last.connections} (below ${round(floorMs)} ms counts as ${round(floorMs)})`
  })
}

function errorCodeOf(error: unknown): Check['code'] {
  return error instanceof HealthError
    ? error.code
    : error === undefined
      ? undefined
      : 'WSH_ERR_CONNECT'
}

/** The suite with injected limits (tests); the registry uses concurrentConnectionsSuite. */
export function createConcurrentConnectionsSuite(options: ConcurrentSuiteOptions = {}): Suite {
  return {
    id: 'concurrent-connections',
    title: 'Concurrent connections',
    durationWeight: 2,
    run: (ctx) => run(ctx, options)
  }
}

export const concurrentConnectionsSuite: Suite = createConcurrentConnectionsSuite()
