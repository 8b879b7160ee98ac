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
import type { Connection, PayloadKind } from '../client/types.js'
import { chaosResendOptions } from '../engine/chaos-mode.js'
import { failedToMeasure, measure, skipped, verify } from '../engine/checks.js'
import type { Check, MetricValue } from '../engine/model.js'
import {
  closeQuietly,
  connectWithin,
  runProbes,
  type ProbeRunOptions,
  type ProbeRunResult
} from '../engine/probes.js'
import { HealthError, describeError } from '../errors.js'
import type { Suite, SuiteContext } from './types.js'
import { protocolErrorCheck } from './protocol-error-probe.js'

/** Probes for the delivery-rate check: enough to resolve a 1 % loss. */
export const DELIVERY_PROBES = 100
/** Probes pipelined at once in the delivery run. */
export const DELIVERY_CONCURRENCY = 20
/** Probes pipelined per ordering wave, and waves sent. */
export const ORDER_WAVE = 20
export const ORDER_WAVES = 3

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

const PAYLOADS: { kind: PayloadKind; id: string; title: string }[] = [
  { kind: 'text', id: 'text-round-trip', title: 'text message round-trips intact' },
  { kind: 'json', id: 'json-round-trip', title: 'JSON message round-trips intact' },
  { kind: 'binary', id: 'binary-round-trip', title: 'binary message round-trips intact' },
  { kind: 'large', id: 'large-round-trip', title: 'large (> 1 MiB) message round-trips intact' }
]

const ORDER = { id: 'order-preserved', title: 'order preserved per connection' }
const RATE = { id: 'delivery-rate', title: 'delivery rate' }
const TIMEOUT = { id: 'message-timeout', title: 'every reply within the message timeout' }

type Outcome = { checks: Check[]; metrics: { [key: string]: MetricValue } }

const JSON_TITLES: { [kind in PayloadKind]: string } = {
  text: 'text probe answered',
  json: 'JSON probe answered',
  binary: 'binary probe answered',
  large: 'large probe answered'
}

/** The payload check's title under protocol json, where replies are matched, not compared. */
function jsonTitle(kind: PayloadKind): string {
  return JSON_TITLES[kind]
}

/**
 * Probes in flight when the suite's signal aborted were neither answered nor
 * given their timeout: they are not judged. When nothing at all could be
 * judged the check fails as cut by the deadline, never passes.
 */
function cutByDeadline(id: string, title: string, planned: number): Check {
  return failedToMeasure(
    id,
    title,
    new HealthError(
      'WSH_ERR_DEADLINE',
      `cut by the deadline before ${planned} probes were answered`
    )
  )
}

/** True when the run was cut and not one probe got a verdict (reply, timeout or failure). */
function nothingJudged(run: ProbeRunResult): boolean {
  return run.aborted && run.sent - run.abandoned === 0
}

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
        connection = await connectWithin(ctx.connect, { label: nextLabel() }, ctx.signal)
        return connection
      })().finally(() => {
        reopening = undefined
      })
      return reopening
    },
    close: () => closeQuietly(connection)
  }
}

async function run(ctx: SuiteContext): Promise<Outcome> {
  const { thresholds } = ctx.config
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
    const all = [...PAYLOADS, ORDER, RATE, TIMEOUT]
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
            stopAtMs: ctx.clock.nowMs() + CHAOS_PHASE_MS
          }
        : { count, concurrency }
    const orderPhase = (): Promise<ProbeRunResult> =>
      probe(orderLane, phase(ORDER_WAVE * ORDER_WAVES, ORDER_WAVE))
    const deliveryPhase = (): Promise<ProbeRunResult> =>
      probe(deliveryLane, phase(DELIVERY_PROBES, DELIVERY_CONCURRENCY))
    const concurrent = chaos ? { order: orderPhase(), delivery: deliveryPhase() } : undefined
    // Ordering and delivery settle on their own: a failure below must not leave them unhandled.
    concurrent?.order.catch(() => undefined)
    concurrent?.delivery.catch(() => undefined)

    const payloads: { [key: string]: MetricValue } = {}
    const carried = PAYLOADS.filter(({ kind, id, title }) => {
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
    const silent = trips.length > 0 && trips.every((trip) => trip.replies === 0)
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
    for (const { id, title } of [...PAYLOADS, ORDER, RATE]) {
      if (!have.has(id)) checks.push(failedToMeasure(id, title, error))
    }
  } finally {
    await Promise.all(lanes.map((lane) => lane.close()))
  }

  // Probes cut by the suite deadline were not given their timeout: not judged.
  const sent = runs.reduce((sum, r) => sum + r.sent - r.abandoned, 0)
  const replies = runs.reduce((sum, r) => sum + r.replies, 0)
  const timeouts = runs.reduce((sum, r) => sum + r.timeouts, 0)
  const resent = runs.reduce((sum, r) => sum + r.resent, 0)
  const reconnects = runs.reduce((sum, r) => sum + r.reconnects, 0)
  // Every probe without a reply counts, whether it timed out or was lost to a drop.
  const unanswered = sent - replies
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
          detail: `${unanswered} of ${sent} probes got no reply ${within} (${timeouts} timed out, ${unanswered - timeouts} lost when the connection failed); slowest reply ${Math.round(slowest)} ms`
        })
  )
  checks.push(await protocolErrorCheck(ctx))
  return { checks, metrics }
}

function payloadChecks(
  ctx: SuiteContext,
  carried: typeof PAYLOADS,
  trips: ProbeRunResult[],
  runs: ProbeRunResult[],
  payloads: { [key: string]: MetricValue }
): Check[] {
  // Under json the service answers with its own message, not an echo: all
  // that can be measured is that a reply matching the reply rule came back.
  const json = ctx.config.protocol === 'json'
  const rule = `${ctx.config.json.matchField} == "${ctx.config.json.matchValue}"`
  return carried.map(({ kind, id, title }, index) => {
    const trip = trips[index]
    runs.push(trip)
    payloads[kind] = {
      intact: trip.intact === 1,
      rttMs: trip.rttsMs.length > 0 ? trip.rttsMs[0] : null,
      bytes: trip.bytes
    }
    return nothingJudged(trip)
      ? cutByDeadline(id, json ? jsonTitle(kind) : title, 1)
      : trip.replies === 0
        ? failedToMeasure(
            id,
            json ? jsonTitle(kind) : title,
            trip.firstError ?? new Error('no reply')
          )
        : json
          ? verify({
              id,
              title: jsonTitle(kind),
              ok: trip.replies === 1,
              value: trip.replies,
              unit: 'count',
              expected: 1,
              message: `answered by a matching reply (${rule}); content not compared: json protocol`
            })
          : verify({
              id,
              title,
              ok: trip.intact === 1,
              value: trip.intact === 1,
              message:
                trip.intact === 1
                  ? `${trip.bytes} bytes came back intact`
                  : 'the reply differs from what was sent',
              code: 'WSH_ERR_PROTOCOL'
            })
  })
}

function orderCheck(ctx: SuiteContext, order: ProbeRunResult, orderWave: number): Check {
  return nothingJudged(order)
    ? cutByDeadline(ORDER.id, ORDER.title, ORDER_WAVE * ORDER_WAVES)
    : order.replies === 0
      ? failedToMeasure(ORDER.id, ORDER.title, order.firstError ?? new Error('no reply'))
      : order.orderJudgedReplies === 0
        ? skipped(
            ORDER.id,
            ORDER.title,
            `every one of ${order.replies} replies answered a resent probe (chaos mode), so their order cannot be judged`
          )
        : order.fifoReplies > 0
          ? // Replies without the probe's id are matched first in first out:
            // whatever order they come in, they line up, so order is unmeasured.
            skipped(
              ORDER.id,
              ORDER.title,
              `${order.fifoReplies} of ${order.replies} replies carried no probe id (json id field "${ctx.config.json.idField}" not echoed), so they were matched first in first out and their order cannot be judged`
            )
          : verify({
              id: ORDER.id,
              title: ORDER.title,
              ok: order.outOfOrderWaves === 0 && order.intact === order.replies,
              value: order.outOfOrderWaves,
              unit: 'count',
              expected: 0,
              message:
                order.outOfOrderWaves === 0
                  ? `${order.orderJudgedReplies ?? order.replies} pipelined replies came back in send order${order.resent > 0 ? ` (${order.resent} resent probes not judged for order)` : ''}`
                  : `${order.outOfOrderWaves} of ${Math.ceil(order.sent / orderWave)} waves of ${orderWave} pipelined probes came back out of order`,
              code: 'WSH_ERR_PROTOCOL'
            })
}

function deliveryCheck(
  ctx: SuiteContext,
  delivery: ProbeRunResult,
  metrics: { [key: string]: MetricValue }
): Check {
  const { thresholds } = ctx.config
  const json = ctx.config.protocol === 'json'
  // Probes abandoned at the deadline are neither lost nor delivered: not judged.
  const judged = delivery.sent - delivery.abandoned
  // Under json replies are matched, not compared: count answers, not intact echoes.
  const good = json ? delivery.replies : delivery.intact
  metrics.delivery = {
    sent: delivery.sent,
    judged,
    intact: delivery.intact,
    timeouts: delivery.timeouts,
    failures: delivery.failures,
    abandoned: delivery.abandoned,
    resent: delivery.resent,
    reconnects: delivery.reconnects
  }
  const cut =
    (delivery.abandoned > 0 ? `; ${delivery.abandoned} cut by the deadline, not judged` : '') +
    (delivery.resent > 0 || delivery.reconnects > 0
      ? `; ${delivery.resent} resent, ${delivery.reconnects} reconnects (chaos mode)`
      : '')
  return nothingJudged(delivery)
    ? cutByDeadline(RATE.id, RATE.title, DELIVERY_PROBES)
    : measure({
        id: RATE.id,
        title: RATE.title,
        value: judged === 0 ? null : good / judged,
        unit: 'ratio',
        op: '>=',
        limit: thresholds.deliveryRate,
        margin: thresholds.degradedMargin,
        code: delivery.timeouts > 0 ? 'WSH_ERR_MESSAGE_TIMEOUT' : 'WSH_ERR_PROTOCOL',
        detail: json
          ? `${good} of ${judged} answered by a matching reply (content not compared: json protocol), ${delivery.timeouts} timed out${cut}`
          : `${good} of ${judged} delivered intact, ${delivery.timeouts} timed out${cut}`
      })
}

export const messageDeliverySuite: Suite = {
  id: 'message-delivery',
  title: 'Message delivery',
  durationWeight: 0,
  run
}
