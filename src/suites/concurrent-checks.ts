/**
 * The concurrent-connections suite's checks from what its load pool
 * measured: all opened (against what this process could open), no drops
 * (or, on a path that drops connections, every drop healed), every connection served,
 * fairness of throughput and latency, and latency stable across the ramp.
 * Measuring stays in concurrent-connections.ts.
 */
import type { Thresholds } from '../config/schema.js'
import { failedToMeasure, measure, skipped, verify } from '../engine/checks.js'
import type { HealFigures, LoadSlot, PoolTotals } from '../engine/load-types.js'
import type { Check } from '../engine/model.js'
import { fairness, type Fairness } from '../engine/per-connection.js'
import type { StepFigures } from '../engine/ramp.js'
import { HealthError, describeError } from '../errors.js'

/** On a lossy path, fairness compares only connections with at least this many replies. */
export const LOSSY_MIN_FAIR_REPLIES = 3

const IDS = {
  opened: { id: 'all-opened', title: 'all connections opened' },
  drops: { id: 'no-drops', title: 'no connection dropped' },
  served: { id: 'all-served', title: 'every connection served' },
  throughput: { id: 'fairness-throughput', title: 'throughput fair across connections' },
  latency: { id: 'fairness-latency', title: 'latency fair across connections' },
  stable: { id: 'latency-stable', title: 'latency stable as connections grow' }
} as const

/** What the suite measured, and the limits it is judged by. */
export interface ConcurrencyFigures {
  slots: readonly LoadSlot[]
  totals: Readonly<PoolTotals>
  /** Heal figures when the path heals drops (undefined otherwise). */
  heal: Readonly<HealFigures> | undefined
  openError: unknown
  /** First error a probe failed with other than a timeout; names the cause when none was served. */
  probeError?: unknown
  fdError: unknown
  /** connection_count. */
  total: number
  /** Connections planned: connection_count, or fewer when the descriptor budget is lower. */
  planned: number
  attempted: number
  fdExhausted: boolean
  /** True when the suite's signal cut the ramp. */
  aborted: boolean
  steps: readonly StepFigures[]
  thresholds: Thresholds
  /** Latencies below this (ms) count as equal for fairness and stability. */
  floorMs: number
  /** When the path heals drops: a drop reopened within this many ms counts as healed. */
  healWithinMs: number | undefined
  /** The path drops connections and loses messages itself (ServicePath.lossy). */
  lossy: boolean
  /** The most the path's delays add to one reply (ms; 0 on a direct path). */
  addedDelayMs: number
}

/** The suite's checks; `fair` is null when no connection opened (nothing else could be judged). */
export function judgeConcurrency(input: ConcurrencyFigures): {
  checks: Check[]
  fair: Fairness | null
} {
  const { slots, totals, heal, openError, total, planned, attempted, fdExhausted, steps } = input
  const { thresholds, floorMs, healWithinMs, lossy, addedDelayMs } = input
  const margin = thresholds.degradedMargin
  const opened = slots.length
  const checks: Check[] = []
  // What this process could try: the descriptor budget, or fewer when EMFILE struck first.
  const reachable =
    totals.fdFailures > 0 && totals.openFailures === 0 ? Math.min(planned, opened) : planned
  const fdNote = `stopped at ${reachable} of connection_count ${total} connections: file-descriptor limit of this process (raise ulimit -n)`
  const refusal =
    totals.openFailures > 0
      ? `service refused connections after ${opened} opened: ${describeError(openError)} (${totals.openFailures} of ${attempted} attempts failed)`
      : opened < reachable && input.aborted
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
    const reason = openError ?? input.fdError ?? new HealthError('WSH_ERR_CONNECT', refusal)
    for (const key of ['drops', 'served', 'throughput', 'latency', 'stable'] as const) {
      checks.push(failedToMeasure(IDS[key].id, IDS[key].title, reason))
    }
    return { checks, fair: null }
  }
  const dropCodes = [...new Set(slots.filter((s) => s.drops > 0).map((s) => s.lastDropCode))]
  if (heal !== undefined) {
    const unhealed = totals.drops - heal.healed
    checks.push(
      verify({
        ...IDS.drops,
        ok: unhealed === 0,
        value: unhealed,
        unit: 'count',
        expected: 0,
        message: `${unhealed} of ${totals.drops} drops not healed within ${healWithinMs} ms across ${opened} connections (${heal.healed} reopened and served again${heal.pendingAtClose > 0 ? `, ${heal.pendingAtClose} reopenings still pending at close` : ''}; ${heal.lostToDrops} probes lost with a drop, not judged${dropCodes.length > 0 ? `; close codes ${dropCodes.join(', ')}` : ''})`,
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
  // On a lossy path a connection's throughput is over its time up (activeMs), and only
  // connections heard often enough are compared: a drop can leave one with too few replies.
  const fairSlots = lossy
    ? slots.filter((s) => s.activeMs > 0 && s.replies >= LOSSY_MIN_FAIR_REPLIES)
    : slots
  const judgedFair = lossy ? fairness(fairSlots, floorMs) : fair
  // When drops heal, a connection whose every probe went with a drop (or was still in
  // flight at the end) was never judged: it is left out, and said so, instead of failed.
  const unjudged =
    heal === undefined
      ? 0
      : slots.filter((s) => s.replies === 0 && s.timeouts === 0 && s.failures === 0).length
  const servedOk = fair.served + unjudged === opened && fair.served > 0
  // When failures outnumber timeouts, the failure (a message over the cap, say) is the cause to name.
  const failedBy = totals.failures > totals.timeouts ? input.probeError : undefined
  checks.push(
    verify({
      ...IDS.served,
      ok: servedOk,
      value: fair.served,
      unit: 'count',
      expected: opened - unjudged,
      message: `${fair.served} of ${opened} connections got at least one reply (${totals.timeouts} probes timed out, ${totals.failures} failed${heal === undefined ? '' : `; ${unjudged} connections not judged: their probes all went with healed drops or were still in flight`})${servedOk || failedBy === undefined ? '' : `; first failure: ${describeError(failedBy)}`}`,
      code: servedOk ? undefined : (errorCodeOf(failedBy) ?? 'WSH_ERR_MESSAGE_TIMEOUT')
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
          `${fairSlots.length} of ${opened} connections had ${LOSSY_MIN_FAIR_REPLIES} replies while up; two are needed to compare`
        )
      : jain === null
        ? failedToMeasure(
            IDS[key].id,
            IDS[key].title,
            new HealthError('WSH_ERR_MESSAGE_TIMEOUT', 'no replies to compare')
          )
        : measure({
            ...IDS[key],
            value: jain,
            unit: 'ratio',
            op: '>=',
            limit: thresholds.minFairness,
            margin,
            detail: `Jain's index over ${fairSlots.length} connections${lossy ? ' (throughput over their time up)' : ''}; max/median ${round(spread)}`
          })
  // One probe is in flight per connection, so with delays the path adds a connection's throughput is
  // set by how many of its replies the path held: comparing it across connections would judge them.
  checks.push(
    addedDelayMs > 0
      ? skipped(
          IDS.throughput.id,
          IDS.throughput.title,
          `relay delay faults on: with one probe in flight per connection, throughput follows which replies the relay delayed (up to ${addedDelayMs} ms each), not the service`
        )
      : fairnessCheck('throughput', judgedFair.throughputJain, judgedFair.throughputSpread)
  )
  checks.push(fairnessCheck('latency', judgedFair.latencyJain, judgedFair.latencySpread))
  checks.push(stabilityCheck(steps, floorMs, thresholds.maxDegradation, margin, lossy))
  return { checks, fair }
}

/**
 * First vs last ramp step p95, both raised to the floor so loopback noise is
 * not growth. A step that sent probes and got no reply is the worst latency
 * there is, not a step to leave out: the check fails unmeasured.
 */
export function stabilityCheck(
  steps: readonly StepFigures[],
  floorMs: number,
  maxDegradation: number,
  margin: number,
  lossy = false
): Check {
  // On a lossy path a short step can be silent because of its drops and slow responses
  // alone (no-drops judges those), so it is left out, not failed.
  const silent = lossy ? undefined : steps.find((s) => s.sent > 0 && s.replies === 0)
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

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100
}
