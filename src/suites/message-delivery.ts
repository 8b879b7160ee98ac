/**
 * message-delivery: text, JSON, binary and large payloads round-trip intact,
 * order is preserved per connection, every message is delivered in time, and
 * a protocol error gets a clean close rather than a hang. A service that
 * refuses the large probe with 1009 has a size limit, not a fault: the limit
 * is measured (message-size-search.ts) and reported. No refused or failed
 * message cascades: the large probe has its own connection, and a phase
 * whose shared connection a payload probe closed gets a fresh one.
 *
 * Through a relay that injects faults the path (ctx.path) reopens dropped
 * connections and resends lost probes; order is judged only on probes never
 * resent, and since every lost probe costs a resend wait, the ordering and
 * delivery phases run at the same time as the payload kinds, each on its
 * own connection.
 */
import { failedToMeasure, measure, skipped } from '../engine/checks.js'
import type { Check, MetricValue } from '../engine/model.js'
import { MESSAGE_TOO_BIG, closedWith, type ProbeRunResult } from '../engine/probes.js'
import type { Lane } from '../engine/service-path.js'
import { describeError, HealthError } from '../errors.js'
import type { Suite, SuiteContext } from '../engine/suite-types.js'
import { SUITE_CATALOG } from './catalog.js'
import { sizeLimitCheck } from './message-size-check.js'
import { findSizeLimit } from './message-size-search.js'
import {
  DELIVERY_CONCURRENCY,
  DELIVERY_PROBES,
  ORDER,
  ORDER_WAVE,
  ORDER_WAVES,
  RATE,
  TIMEOUT,
  deliveryCheck,
  orderCheck,
  payloadChecks,
  payloadsFor
} from './message-delivery-checks.js'
import {
  corruptedDetail,
  duplicatesCheck,
  integrityNow,
  integritySince
} from './integrity-checks.js'

export { DELIVERY_CONCURRENCY, DELIVERY_PROBES, ORDER_WAVE, ORDER_WAVES }

type Outcome = { checks: Check[]; metrics: { [key: string]: MetricValue } }

/**
 * The suite's connections. The large probe always has its own (a service
 * that refuses it closes that connection with 1009, and must not take the
 * other payload kinds with it); on a lossy path ordering and delivery have
 * their own too, and run at the same time as the payload kinds.
 */
interface Lanes {
  payload: Lane
  /** Absent when the protocol cannot carry large payloads. */
  large?: Lane
  order: Lane
  delivery: Lane
  all: Lane[]
}

async function openLanes(ctx: SuiteContext, nextLabel: () => string): Promise<Lanes> {
  const all: Lane[] = []
  const open = async (record?: false): Promise<Lane> => {
    const options = { label: nextLabel(), ...(record === false ? { record } : {}) }
    const lane = await ctx.path.openLane(options, nextLabel)
    all.push(lane)
    return lane
  }
  try {
    const payload = await open()
    // Unrecorded: a refused large message is a size limit, not a lost message of the run.
    const large = ctx.canCarry('large') === true ? await open(false) : undefined
    const order = ctx.path.lossy ? await open() : payload
    const delivery = ctx.path.lossy ? await open() : payload
    return { payload, ...(large ? { large } : {}), order, delivery, all }
  } catch (error) {
    await Promise.all(all.map((lane) => lane.close()))
    throw error
  }
}

/** The ordering and delivery phases (smaller and time-capped on a lossy path: ServicePath.phase). */
function phaseRunners(
  ctx: SuiteContext,
  lanes: Lanes
): { order(): Promise<ProbeRunResult>; delivery(): Promise<ProbeRunResult> } {
  return {
    order: () => ctx.path.probe(lanes.order, ctx.path.phase(ORDER_WAVE * ORDER_WAVES, ORDER_WAVE)),
    delivery: () =>
      ctx.path.probe(lanes.delivery, ctx.path.phase(DELIVERY_PROBES, DELIVERY_CONCURRENCY))
  }
}

/**
 * One probe per payload kind, pipelined (each has its own timeout, so a
 * silent service costs one timeout, not four); the large one on its own
 * connection. A large probe refused with 1009 is followed by the search for
 * the size limit. Returns whether no payload probe was answered at all.
 */
async function payloadPhase(
  ctx: SuiteContext,
  lanes: Lanes,
  into: { checks: Check[]; runs: ProbeRunResult[]; metrics: { [key: string]: MetricValue } }
): Promise<boolean> {
  const payloads: { [key: string]: MetricValue } = {}
  into.metrics.payloads = payloads
  const carried = payloadsFor(ctx).filter(({ kind, id, title }) => {
    const carry = ctx.canCarry(kind)
    if (carry !== true) into.checks.push(skipped(id, title, carry))
    return carry === true
  })
  // The large probe sends at least what the user requires, so a pass covers it.
  const largeBytes = Math.max(ctx.config.largePayloadBytes, ctx.config.minMessageBytes ?? 0)
  const trips = await Promise.all(
    carried.map(({ kind }) =>
      kind === 'large'
        ? ctx.path.probe(lanes.large ?? lanes.payload, { count: 1, kind, bytes: largeBytes })
        : ctx.path.probe(lanes.payload, { count: 1, kind })
    )
  )
  const largeAt = carried.findIndex(({ kind }) => kind === 'large')
  const refused =
    largeAt >= 0 &&
    lanes.large !== undefined &&
    trips[largeAt].replies === 0 &&
    (await closedWith(lanes.large.current())) === MESSAGE_TOO_BIG
  if (!refused) {
    into.checks.push(...payloadChecks(ctx, carried, trips, into.runs, payloads))
    return trips.length > 0 && trips.every((trip) => trip.replies === 0 && trip.corrupted === 0)
  }
  // A refusal is not a lost message: the refused trip stays out of runs (message-timeout).
  const others = carried.filter((_, index) => index !== largeAt)
  const otherTrips = trips.filter((_, index) => index !== largeAt)
  into.checks.push(...payloadChecks(ctx, others, otherTrips, into.runs, payloads))
  const binary = otherTrips[others.findIndex(({ kind }) => kind === 'binary')]
  const limit = await findSizeLimit(ctx, {
    acceptedBytes: binary?.intact === 1 ? binary.bytes : 0,
    refusedBytes: largeBytes,
    requiredBytes: ctx.config.minMessageBytes,
    // A try the path lost or cut is tried again, after the path's slowest round trip.
    attemptsPerSize: ctx.path.stepTries,
    tryTimeoutMs: ctx.path.tries.timeoutMs
  })
  payloads.large = { intact: false, rttMs: null, bytes: largeBytes, closeCode: MESSAGE_TOO_BIG }
  into.metrics.messageSizeLimit = {
    acceptedBytes: limit.acceptedBytes,
    refusedBytes: limit.refusedBytes,
    exact: limit.exact,
    tries: limit.tries
  }
  into.checks.push(sizeLimitCheck(ctx, carried[largeAt], limit, largeBytes))
  return (
    otherTrips.length > 0 && otherTrips.every((trip) => trip.replies === 0 && trip.corrupted === 0)
  )
}

async function run(ctx: SuiteContext): Promise<Outcome> {
  const integrityBefore = integrityNow(ctx)
  const checks: Check[] = []
  const metrics: { [key: string]: MetricValue } = {}
  let opened = 0
  const nextLabel = (): string => `delivery_${++opened}`
  let lanes: Lanes
  try {
    lanes = await openLanes(ctx, nextLabel)
  } catch (error) {
    const all = [...payloadsFor(ctx), ORDER, RATE, TIMEOUT]
    for (const { id, title } of all) checks.push(failedToMeasure(id, title, error))
    return { checks, metrics: { connectError: describeError(error) } }
  }
  const phases = phaseRunners(ctx, lanes)
  const runs: ProbeRunResult[] = []
  let concurrent: { order: Promise<ProbeRunResult>; delivery: Promise<ProbeRunResult> } | undefined
  try {
    // On a lossy path every lost probe costs a resend wait, so the three phases run at once, each
    // on its own connection (order is judged per connection); else they share one, in turn.
    concurrent = ctx.path.lossy ? { order: phases.order(), delivery: phases.delivery() } : undefined
    // Ordering and delivery settle on their own: a failure below must not leave them unhandled.
    concurrent?.order.catch(() => undefined)
    concurrent?.delivery.catch(() => undefined)

    const silent = await payloadPhase(ctx, lanes, { checks, runs, metrics })
    ctx.progress(1, 3, 'payload kinds')
    if (ctx.signal.aborted) throw ctx.signal.reason
    if (silent && !concurrent) {
      // Nothing was answered: ordering and delivery would only wait out more timeouts.
      throw (
        runs[0]?.firstError ?? new HealthError('WSH_ERR_MESSAGE_TIMEOUT', 'no probe was answered')
      )
    }

    // Taking turns on one connection: one a payload probe closed is reopened.
    if (!concurrent) await lanes.order.reopen()
    const order = await (concurrent?.order ?? phases.order())
    runs.push(order)
    const orderWave = ctx.path.phase(ORDER_WAVE, ORDER_WAVE).concurrency ?? ORDER_WAVE
    metrics.ordering = {
      waves: Math.ceil(order.sent / orderWave),
      waveSize: orderWave,
      outOfOrderWaves: order.outOfOrderWaves,
      replies: order.replies,
      resent: order.resent,
      reconnects: order.reconnects
    }
    checks.push(orderCheck(ctx, order, orderWave))
    ctx.progress(2, 3, 'ordering')

    if (!concurrent) await lanes.delivery.reopen()
    const delivery = await (concurrent?.delivery ?? phases.delivery())
    runs.push(delivery)
    checks.push(deliveryCheck(ctx, delivery, metrics))
    ctx.progress(3, 3, 'delivery rate')
  } catch (error) {
    const have = new Set(checks.map((check) => check.id))
    for (const { id, title } of [...payloadsFor(ctx), ORDER, RATE]) {
      if (!have.has(id)) checks.push(failedToMeasure(id, title, error))
    }
  } finally {
    // Phases still running (an early throw) settle first, so no lane reopens after its close.
    if (concurrent) await Promise.allSettled([concurrent.order, concurrent.delivery])
    await Promise.all(lanes.all.map((lane) => lane.close()))
  }

  checks.push(timeoutCheck(ctx, runs, metrics))
  checks.push(duplicatesCheck(ctx, integritySince(integrityBefore, integrityNow(ctx))))
  return { checks, metrics }
}

/** Every probe of the suite's runs answered within the message timeout (or the path's tries of it). */
function timeoutCheck(
  ctx: SuiteContext,
  runs: readonly ProbeRunResult[],
  metrics: { [key: string]: MetricValue }
): Check {
  const { thresholds } = ctx.config
  const { timeoutMs: waitedMs, count: tries } = ctx.path.tries
  // Probes cut by the suite deadline were not given their timeout: not judged.
  const sent = runs.reduce((sum, r) => sum + r.sent - r.abandoned, 0)
  const replies = runs.reduce((sum, r) => sum + r.replies, 0)
  // A corrupted reply arrived in time: it fails the payload and delivery checks, not this one.
  const corrupted = runs.reduce((sum, r) => sum + r.corrupted, 0)
  const timeouts = runs.reduce((sum, r) => sum + r.timeouts, 0)
  const resent = runs.reduce((sum, r) => sum + r.resent, 0)
  const reconnects = runs.reduce((sum, r) => sum + r.reconnects, 0)
  // Every probe without a reply counts, whether it timed out or was lost to a drop.
  const unanswered = sent - replies - corrupted
  let slowest = 0
  for (const r of runs)
    for (let i = 0; i < r.rttsMs.length; i++) slowest = Math.max(slowest, r.rttsMs[i])
  metrics.slowestReplyMs = slowest
  Object.assign(
    metrics,
    ctx.path.recoveryMetrics({ resent, reconnects, resendAfterMs: waitedMs, tries })
  )
  const within =
    tries > 1
      ? `within ${tries} tries of ${waitedMs} ms (${resent} resent, ${reconnects} reconnects after faults the path injected)`
      : `within ${thresholds.messageTimeoutMs} ms`
  return sent === 0 && ctx.signal.aborted
    ? failedToMeasure(TIMEOUT.id, TIMEOUT.title, ctx.signal.reason)
    : measure({
        id: TIMEOUT.id,
        title: TIMEOUT.title,
        value: sent === 0 ? null : unanswered,
        unit: 'count',
        op: '==',
        limit: 0,
        code:
          timeouts > 0 || unanswered === 0 ? 'WSH_ERR_MESSAGE_TIMEOUT' : 'WSH_ERR_CONNECTION_LOST',
        detail: `${unanswered} of ${sent} probes got no reply ${within} (${timeouts} timed out, ${unanswered - timeouts} lost when the connection failed); slowest reply ${Math.round(slowest)} ms${corruptedDetail(corrupted)}`
      })
}

export const messageDeliverySuite: Suite = { ...SUITE_CATALOG['message-delivery'], run }
