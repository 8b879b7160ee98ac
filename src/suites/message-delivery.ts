/**
 * message-delivery: text, JSON, binary and large payloads round-trip intact,
 * order is preserved per connection, every message is delivered in time, and
 * a protocol error gets a clean close rather than a hang.
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
import { describeError } from '../errors.js'
import type { Suite, SuiteContext } from './types.js'
import { protocolErrorCheck } from './protocol-error-probe.js'
import {
  corruptedDetail,
  duplicatesCheck,
  integrityNow,
  integritySince
} from './integrity-checks.js'
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
  reconnect(): Promise<Connection>
  close(): Promise<void>
}

function createLane(ctx: SuiteContext, first: Connection, nextLabel: () => string): Lane {
  let connection = first
  let reopening: Promise<Connection> | undefined
  return {
    current: () => connection,
    reconnect() {
      if (connection.readyState === 'OPEN') return Promise.resolve(connection)
      reopening ??= (async () => {
        connection.terminate()
        connection = await reopenPatiently(ctx, nextLabel)
        return connection
      })().finally(() => {
        reopening = undefined
      })
      return reopening
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

async function reopenPatiently(ctx: SuiteContext, nextLabel: () => string): Promise<Connection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectWithin(ctx.connect, { label: nextLabel() }, ctx.signal)
    } catch (error) {
      if (attempt >= LANE_REOPEN_TRIES || ctx.signal.aborted) throw error
    }
  }
}

async function run(ctx: SuiteContext): Promise<Outcome> {
  const { thresholds } = ctx.config
  const integrityBefore = integrityNow(ctx)
  const checks: Check[] = []
  const metrics: { [key: string]: MetricValue } = {}
  let opened = 0
  const nextLabel = (): string => `delivery_${++opened}`
  const chaos = ctx.config.chaosMode
  const lanes: Lane[] = []
  try {
    lanes.push(
      createLane(
        ctx,
        await connectWithin(ctx.connect, { label: nextLabel() }, ctx.signal),
        nextLabel
      )
    )
  } catch (error) {
    const all = [...payloadsFor(ctx), ORDER, RATE, TIMEOUT]
    for (const { id, title } of all) checks.push(failedToMeasure(id, title, error))
    return { checks, metrics: { connectError: describeError(error) } }
  }
  // Under chaos the relay's injected drops and losses are faults, not the
  // service's answer: a dropped connection is reopened and its probes resent,
  // and a probe the relay lost is resent after the faults' slowest round trip.
  const resend = chaosResendOptions(ctx.config)
  const waitedMs = resend.resendAfterMs ?? thresholds.messageTimeoutMs
  const tries = (resend.maxResends ?? 0) + 1
  const runs: ProbeRunResult[] = []
  let concurrent: { order: Promise<ProbeRunResult>; delivery: Promise<ProbeRunResult> } | undefined
  try {
    // Under chaos every lost probe costs a resend timeout, so the three phases run at once, each on
    // its own connection (order is judged per connection); without chaos they share one, in turn.
    if (chaos) {
      for (let i = 0; i < 2; i++) {
        lanes.push(
          createLane(
            ctx,
            await connectWithin(ctx.connect, { label: nextLabel() }, ctx.signal),
            nextLabel
          )
        )
      }
    }
    const [payloadLane, orderLane = payloadLane, deliveryLane = payloadLane] = lanes
    const probe = (lane: Lane, options: Omit<ProbeRunOptions, 'signal' | 'clock' | 'timeoutMs'>) =>
      runProbes(lane.current(), {
        timeoutMs: thresholds.messageTimeoutMs,
        signal: ctx.signal,
        clock: ctx.clock,
        ...resend,
        ...(chaos ? { reconnect: lane.reconnect } : {}),
        ...options
      })
    const phase = (count: number, concurrency: number) =>
      chaos
        ? {
            count,
            concurrency: Math.min(concurrency, CHAOS_WAVE),
            stopAtMs: ctx.clock.nowMs() + CHAOS_PHASE_MS,
            minJudged: CHAOS_MIN_JUDGED
          }
        : { count, concurrency }
    const orderPhase = (): Promise<ProbeRunResult> =>
      probe(orderLane, phase(ORDER_WAVE * ORDER_WAVES, ORDER_WAVE))
    const deliveryPhase = (): Promise<ProbeRunResult> =>
      probe(deliveryLane, phase(DELIVERY_PROBES, DELIVERY_CONCURRENCY))
    concurrent = chaos ? { order: orderPhase(), delivery: deliveryPhase() } : undefined
    // Ordering and delivery settle on their own: a failure below must not leave them unhandled.
    concurrent?.order.catch(() => undefined)
    concurrent?.delivery.catch(() => undefined)

    const payloads: { [key: string]: MetricValue } = {}
    const carried = payloadsFor(ctx).filter(({ kind, id, title }) => {
      const carry = ctx.canCarry(kind)
      if (carry !== true) checks.push(skipped(id, title, carry))
      return carry === true
    })
    // Pipelined: each probe has its own timeout, so a silent service costs one timeout, not four.
    const trips = await Promise.all(
      carried.map(({ kind }) =>
        probe(payloadLane, {
          count: 1,
          kind,
          bytes: kind === 'large' ? ctx.config.largePayloadBytes : undefined
        })
      )
    )
    checks.push(...payloadChecks(ctx, carried, trips, runs, payloads))
    metrics.payloads = payloads
    ctx.progress(1, 3, 'payload kinds')
    if (ctx.signal.aborted) throw ctx.signal.reason
    const silent =
      trips.length > 0 && trips.every((trip) => trip.replies === 0 && trip.corrupted === 0)
    if (silent && !concurrent) {
      // Nothing was answered: ordering and delivery would only wait out more timeouts.
      throw trips[0].firstError ?? new Error('no probe was answered')
    }

    const order = await (concurrent?.order ?? orderPhase())
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

    const delivery = await (concurrent?.delivery ?? deliveryPhase())
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
    await Promise.all(lanes.map((lane) => lane.close()))
  }

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
  if (chaos) metrics.chaos = { resent, reconnects, resendAfterMs: waitedMs, tries }
  const within =
    tries > 1
      ? `within ${tries} tries of ${waitedMs} ms (chaos mode: ${resent} resent, ${reconnects} reconnects)`
      : `within ${thresholds.messageTimeoutMs} ms`
  checks.push(
    sent === 0 && ctx.signal.aborted
      ? failedToMeasure(TIMEOUT.id, TIMEOUT.title, ctx.signal.reason)
      : measure({
          id: TIMEOUT.id,
          title: TIMEOUT.title,
          value: sent === 0 ? null : unanswered,
          unit: 'count',
          op: '==',
          limit: 0,
          code:
            timeouts > 0 || unanswered === 0
              ? 'WSH_ERR_MESSAGE_TIMEOUT'
              : 'WSH_ERR_CONNECTION_LOST',
          detail: `${unanswered} of ${sent} probes got no reply ${within} (${timeouts} timed out, ${unanswered - timeouts} lost when the connection failed); slowest reply ${Math.round(slowest)} ms${corruptedDetail(corrupted)}`
        })
  )
  checks.push(duplicatesCheck(ctx, integritySince(integrityBefore, integrityNow(ctx))))
  checks.push(await protocolErrorCheck(ctx))
  return { checks, metrics }
}

export const messageDeliverySuite: Suite = {
  id: 'message-delivery',
  title: 'Message delivery',
  durationWeight: 0,
  run
}
