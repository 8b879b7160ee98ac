/**
 * message-delivery: text, JSON, binary and large payloads round-trip intact,
 * order is preserved per connection, every message is delivered in time, and
 * a protocol error gets a clean close rather than a hang. A service that
 * refuses the large probe with 1009 has a size limit, not a fault: the limit
 * is measured (message-size-search.ts) and reported. No refused or failed
 * message cascades: the large probe has its own connection, and a phase
 * whose shared connection a payload probe closed gets a fresh one.
 *
 * Under chaos mode the suite judges recovery, not the injected faults: a
 * dropped connection is reopened, a probe the relay lost is resent after
 * chaosProbeTimeoutMs (bounded), order is judged only on probes never
 * resent, and the ordering and delivery phases are small, time-capped and
 * run at the same time as the payload kinds, each on its own connection.
 */
import type { Connection } from '../client/types.js'
import { chaosResendOptions } from '../engine/chaos-mode.js'
import { failedToMeasure, measure, skipped } from '../engine/checks.js'
import type { Check, MetricValue } from '../engine/model.js'
import {
  closeQuietly,
  connectWithin,
  runProbes,
  type ProbeRunOptions,
  type ProbeRunResult
} from '../engine/probes.js'
import { describeError, HealthError } from '../errors.js'
import type { Suite, SuiteContext } from './types.js'
import { sizeLimitCheck } from './message-size-check.js'
import { MESSAGE_TOO_BIG, closedWith, findSizeLimit } from './message-size-search.js'
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

/**
 * Chaos mode: probes pipelined per wave, and wall time (ms) each of the
 * ordering and delivery phases may take. The relay's random_disconnect is
 * drawn per message, so a wave of ORDER_WAVE (40 messages at p = 0.1) almost
 * never survives: small waves let the service's replies be judged, and the
 * time cap keeps a run under faults (every lost message costs a resend
 * timeout) from eating the run's deadline. Each phase runs at least one wave.
 */
export const CHAOS_WAVE = 5
export const CHAOS_PHASE_MS = 3_000
/** Chaos mode: probes each phase judges at least (one full wave), past its time cap if need be (bounded by the deadline). */
export const CHAOS_MIN_JUDGED = CHAOS_WAVE

type Outcome = { checks: Check[]; metrics: { [key: string]: MetricValue } }

/**
 * One connection the suite probes over. Under chaos a drop is the relay's
 * injected fault: `reconnect` opens one replacement however many pipelined
 * probes ask at once, and the probes lost with the old one are resent.
 */
interface Lane {
  current(): Connection
  /** The connection if open, else a fresh one: a phase never inherits a connection another closed. */
  reopen(): Promise<Connection>
  /** runProbes' reconnect: as reopen, but never after a 1009 close (resending would be refused again). */
  reconnect(): Promise<Connection>
  close(): Promise<void>
}

function createLane(first: Connection, open: () => Promise<Connection>): Lane {
  let connection = first
  let reopening: Promise<Connection> | undefined
  const reopen = (): Promise<Connection> => {
    if (connection.readyState === 'OPEN') return Promise.resolve(connection)
    reopening ??= (async () => {
      connection.terminate()
      connection = await open()
      return connection
    })().finally(() => {
      reopening = undefined
    })
    return reopening
  }
  return {
    current: () => connection,
    reopen,
    async reconnect() {
      // 1009 is the service's answer to the message, never a fault the relay injects.
      if ((await closedWith(connection)) === MESSAGE_TOO_BIG) {
        throw new HealthError(
          'WSH_ERR_CONNECTION_LOST',
          `${connection.label} was closed with 1009 (message too big): not reopened to send the refused message again`
        )
      }
      return reopen()
    },
    close: () => closeQuietly(connection)
  }
}

/**
 * Chaos mode: tries of a lane's reopening. The relay refuses new connections
 * for a while after every drop it injects, relay-wide, and the other lanes'
 * traffic keeps causing drops: one chaos connector's retry window may not see
 * the relay open again, though it does once those lanes are down too.
 */
export const LANE_REOPEN_TRIES = 3

async function reopenPatiently(
  ctx: SuiteContext,
  options: { label: string; record?: boolean }
): Promise<Connection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectWithin(ctx.connect, options, ctx.signal)
    } catch (error) {
      if (attempt >= LANE_REOPEN_TRIES || ctx.signal.aborted) throw error
    }
  }
}

/**
 * The suite's connections. The large probe always has its own (a service
 * that refuses it closes that connection with 1009, and must not take the
 * other payload kinds with it); under chaos ordering and delivery have their
 * own too, and run at the same time as the payload kinds.
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
    const reopen = () => reopenPatiently(ctx, { ...options, label: nextLabel() })
    const lane = createLane(await connectWithin(ctx.connect, options, ctx.signal), reopen)
    all.push(lane)
    return lane
  }
  try {
    const payload = await open()
    // Unrecorded: a refused large message is a size limit, not a lost message of the run.
    const large = ctx.canCarry('large') === true ? await open(false) : undefined
    const order = ctx.config.chaosMode ? await open() : payload
    const delivery = ctx.config.chaosMode ? await open() : payload
    return { payload, ...(large ? { large } : {}), order, delivery, all }
  } catch (error) {
    await Promise.all(all.map((lane) => lane.close()))
    throw error
  }
}

type LaneProbe = (
  lane: Lane,
  options: Omit<ProbeRunOptions, 'signal' | 'clock' | 'timeoutMs'>
) => Promise<ProbeRunResult>

function laneProbe(ctx: SuiteContext): LaneProbe {
  // Under chaos the relay's injected drops and losses are faults, not the
  // service's answer: a dropped connection is reopened and its probes resent,
  // and a probe the relay lost is resent after the faults' slowest round trip.
  const resend = chaosResendOptions(ctx.config)
  const chaos = ctx.config.chaosMode
  return (lane, options) =>
    runProbes(lane.current(), {
      timeoutMs: ctx.config.thresholds.messageTimeoutMs,
      signal: ctx.signal,
      clock: ctx.clock,
      ...resend,
      ...(chaos ? { reconnect: lane.reconnect } : {}),
      ...options
    })
}

/** The ordering and delivery phases; under chaos small and time-capped (see CHAOS_WAVE). */
function phaseRunners(
  ctx: SuiteContext,
  lanes: Lanes,
  probe: LaneProbe
): { order(): Promise<ProbeRunResult>; delivery(): Promise<ProbeRunResult> } {
  const phase = (count: number, concurrency: number) =>
    ctx.config.chaosMode
      ? {
          count,
          concurrency: Math.min(concurrency, CHAOS_WAVE),
          stopAtMs: ctx.clock.nowMs() + CHAOS_PHASE_MS,
          minJudged: CHAOS_MIN_JUDGED
        }
      : { count, concurrency }
  return {
    order: () => probe(lanes.order, phase(ORDER_WAVE * ORDER_WAVES, ORDER_WAVE)),
    delivery: () => probe(lanes.delivery, phase(DELIVERY_PROBES, DELIVERY_CONCURRENCY))
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
  probe: LaneProbe,
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
        ? probe(lanes.large ?? lanes.payload, { count: 1, kind, bytes: largeBytes })
        : probe(lanes.payload, { count: 1, kind })
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
    retryFaults: ctx.config.chaosMode,
    // Chaos mode: a try the relay lost waits the faults' slowest round trip, not the full timeout.
    tryTimeoutMs: chaosResendOptions(ctx.config).resendAfterMs
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
  const chaos = ctx.config.chaosMode
  let lanes: Lanes
  try {
    lanes = await openLanes(ctx, nextLabel)
  } catch (error) {
    const all = [...payloadsFor(ctx), ORDER, RATE, TIMEOUT]
    for (const { id, title } of all) checks.push(failedToMeasure(id, title, error))
    return { checks, metrics: { connectError: describeError(error) } }
  }
  const probe = laneProbe(ctx)
  const phases = phaseRunners(ctx, lanes, probe)
  const runs: ProbeRunResult[] = []
  let concurrent: { order: Promise<ProbeRunResult>; delivery: Promise<ProbeRunResult> } | undefined
  try {
    // Under chaos every lost probe costs a resend timeout, so the three phases run at once, each on
    // its own connection (order is judged per connection); without chaos they share one, in turn.
    concurrent = chaos ? { order: phases.order(), delivery: phases.delivery() } : undefined
    // Ordering and delivery settle on their own: a failure below must not leave them unhandled.
    concurrent?.order.catch(() => undefined)
    concurrent?.delivery.catch(() => undefined)

    const silent = await payloadPhase(ctx, lanes, probe, { checks, runs, metrics })
    ctx.progress(1, 3, 'payload kinds')
    if (ctx.signal.aborted) throw ctx.signal.reason
    if (silent && !concurrent) {
      // Nothing was answered: ordering and delivery would only wait out more timeouts.
      throw (
        runs[0]?.firstError ?? new HealthError('WSH_ERR_MESSAGE_TIMEOUT', 'no probe was answered')
      )
    }

    // Without chaos the phases take turns on one connection: one a payload probe closed is reopened.
    if (!concurrent) await lanes.order.reopen()
    const order = await (concurrent?.order ?? phases.order())
    runs.push(order)
    const orderWave = chaos ? Math.min(CHAOS_WAVE, ORDER_WAVE) : ORDER_WAVE
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

/** Every probe of the suite's runs answered within the message timeout (resends counted under chaos). */
function timeoutCheck(
  ctx: SuiteContext,
  runs: readonly ProbeRunResult[],
  metrics: { [key: string]: MetricValue }
): Check {
  const { thresholds } = ctx.config
  const resend = chaosResendOptions(ctx.config)
  const waitedMs = resend.resendAfterMs ?? thresholds.messageTimeoutMs
  const tries = (resend.maxResends ?? 0) + 1
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
  if (ctx.config.chaosMode) metrics.chaos = { resent, reconnects, resendAfterMs: waitedMs, tries }
  const within =
    tries > 1
      ? `within ${tries} tries of ${waitedMs} ms (chaos mode: ${resent} resent, ${reconnects} reconnects)`
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

export const messageDeliverySuite: Suite = {
  id: 'message-delivery',
  title: 'Message delivery',
  durationWeight: 0,
  run
}
