/**
 * The message-delivery suite's checks from what its probe runs measured:
 * each payload kind intact, order per connection, delivery rate, and the
 * constants that size those runs. Measuring stays in message-delivery.ts.
 */
import type { PayloadKind } from '../client/types.js'
import { failedToMeasure, measure, skipped, verify } from '../engine/checks.js'
import type { Check, MetricValue } from '../engine/model.js'
import type { ProbeRunResult } from '../engine/probes.js'
import { HealthError } from '../errors.js'
import { corruptedDetail } from './integrity-checks.js'
import type { SuiteContext } from '../engine/suite-types.js'

/** Probes for the delivery-rate check: enough to resolve a 1 % loss. */
export const DELIVERY_PROBES = 100
/** Probes pipelined at once in the delivery run. */
export const DELIVERY_CONCURRENCY = 20
/** Probes pipelined per ordering wave, and waves sent. */
export const ORDER_WAVE = 20
export const ORDER_WAVES = 3

export const PAYLOADS: { kind: PayloadKind; id: string; title: string }[] = [
  { kind: 'text', id: 'text-round-trip', title: 'text message round-trips intact' },
  { kind: 'json', id: 'json-round-trip', title: 'JSON message round-trips intact' },
  { kind: 'binary', id: 'binary-round-trip', title: 'binary message round-trips intact' },
  { kind: 'large', id: 'large-round-trip', title: 'large (> 1 MiB) message round-trips intact' }
]

/**
 * The payload checks this run makes. Under protocol json a text and a JSON
 * probe are the same bytes (the user's template), so they are one check:
 * `json-round-trip`.
 */
export function payloadsFor(ctx: Pick<SuiteContext, 'config'>): typeof PAYLOADS {
  return ctx.config.protocol === 'json' ? PAYLOADS.filter(({ kind }) => kind !== 'text') : PAYLOADS
}

export const ORDER = { id: 'order-preserved', title: 'order preserved per connection' }
export const RATE = { id: 'delivery-rate', title: 'delivery rate' }
export const TIMEOUT = { id: 'message-timeout', title: 'every reply within the message timeout' }

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
export function cutByDeadline(id: string, title: string, planned: number): Check {
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
export function nothingJudged(run: ProbeRunResult): boolean {
  return run.aborted && run.sent - run.abandoned === 0
}

export function payloadChecks(
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
      : trip.corrupted > 0
        ? verify({
            id,
            title: json ? jsonTitle(kind) : title,
            ok: false,
            value: false,
            message: `the reply came back corrupted: it differs from the ${kind} probe sent`,
            code: 'WSH_ERR_CORRUPTED_REPLY'
          })
        : trip.replies === 0
          ? failedToMeasure(
              id,
              json ? jsonTitle(kind) : title,
              trip.firstError ?? new HealthError('WSH_ERR_MESSAGE_TIMEOUT', 'no reply')
            )
          : json
            ? verify({
                id,
                title: jsonTitle(kind),
                ok: trip.replies === 1,
                value: trip.replies,
                unit: 'count',
                expected: 1,
                message:
                  trip.fifoReplies > 0
                    ? `a reply matching ${rule} came back, but the service echoes no id (json id field "${ctx.config.json.idField}"), so it cannot be tied to this probe: matched first in first out, intact unverified`
                    : `answered by a reply matching ${rule} that names this probe's id; content not compared: json protocol`
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

export function orderCheck(ctx: SuiteContext, order: ProbeRunResult, orderWave: number): Check {
  return nothingJudged(order)
    ? cutByDeadline(ORDER.id, ORDER.title, ORDER_WAVE * ORDER_WAVES)
    : order.replies === 0
      ? failedToMeasure(
          ORDER.id,
          ORDER.title,
          order.firstError ?? new HealthError('WSH_ERR_MESSAGE_TIMEOUT', 'no reply')
        )
      : order.orderJudgedReplies === 0
        ? skipped(
            ORDER.id,
            ORDER.title,
            `every one of ${order.replies} replies answered a resent probe (resent after a loss the path injected), so their order cannot be judged`
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
                  ? `${order.orderJudgedReplies ?? order.replies} pipelined replies came back in send order${order.orderJudgedReplies !== undefined && order.orderJudgedReplies < order.replies ? ` (${order.replies - order.orderJudgedReplies} replies to resent probes not judged for order)` : ''}`
                  : `${order.outOfOrderWaves} of ${Math.ceil(order.sent / orderWave)} waves of ${orderWave} pipelined probes came back out of order`,
              code: 'WSH_ERR_PROTOCOL'
            })
}

export function deliveryCheck(
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
    corrupted: delivery.corrupted,
    timeouts: delivery.timeouts,
    failures: delivery.failures,
    abandoned: delivery.abandoned,
    resent: delivery.resent,
    reconnects: delivery.reconnects
  }
  const cut =
    corruptedDetail(delivery.corrupted) +
    (delivery.abandoned > 0 ? `; ${delivery.abandoned} cut by the deadline, not judged` : '') +
    (delivery.resent > 0 || delivery.reconnects > 0
      ? `; ${delivery.resent} resent, ${delivery.reconnects} reconnects after faults the path injected`
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
        code:
          delivery.corrupted > 0
            ? 'WSH_ERR_CORRUPTED_REPLY'
            : delivery.timeouts > 0
              ? 'WSH_ERR_MESSAGE_TIMEOUT'
              : 'WSH_ERR_PROTOCOL',
        detail: json
          ? `${good} of ${judged} answered by a matching reply (content not compared: json protocol), ${delivery.timeouts} timed out${cut}`
          : `${good} of ${judged} delivered intact, ${delivery.timeouts} timed out${cut}`
      })
}
