/**
 * heartbeat-monitoring: RFC 6455 pings spread over the suite's budget, each
 * answered by a pong in time; heartbeat p99 and success rate; the health
 * score of what was measured; the application-level JSON ping/pong when
 * the probe protocol is json; and, at the same time, whether an idle
 * connection survives idle_ms (src/suites/heartbeat-idle.ts).
 *
 * Through a relay that injects faults the path (ctx.path) reopens a dropped
 * connection, takes out of each pong's time what the relay held it, and
 * excuses a ping lost with a drop only while the relay dropped connections
 * that often during the suite.
 */
import type { Connection } from '../client/types.js'
import { heartbeatPingIntervalS } from '../config/schema.js'
import { failedToMeasure, measure, skipped, verify } from '../engine/checks.js'
import type { Check, MetricValue } from '../engine/model.js'
import { closeQuietly, runProbes } from '../engine/probes.js'
import type { Lane } from '../engine/service-path.js'
import { HealthError, describeError } from '../errors.js'
import { healthBand, healthScore } from '../metrics/health-score.js'
import { createSampleRecorder, summarize } from '../metrics/recorder.js'
import { watchIdleConnections } from './heartbeat-idle.js'
import type { Suite, SuiteContext } from '../engine/suite-types.js'
import { SUITE_CATALOG } from './catalog.js'

/** Pings aimed for within the budget when no ping_interval is configured: enough for a p99 to mean something. */
export const TARGET_PINGS = 100
/** Floor on the derived interval (ms), so a long budget never turns into a ping flood. */
export const MIN_PING_INTERVAL_MS = 20
/** Pings always sent: one miss must not decide the suite alone (a configured interval is capped so they fit the budget). */
export const MIN_PINGS = 3
/** Upper bound on pings in one run, whatever the interval and budget. */
export const MAX_PINGS = 100_000
/** Application-level JSON ping/pong round trips when the protocol is json. */
export const APP_HEARTBEATS = 5

const IDS = {
  pong: { id: 'ping-pong', title: 'RFC 6455 ping answered by pong in time' },
  p99: { id: 'heartbeat-p99', title: 'heartbeat p99' },
  success: { id: 'heartbeat-success-rate', title: 'heartbeat success rate' },
  score: { id: 'health-score', title: 'health score' },
  app: { id: 'app-heartbeat', title: 'application-level heartbeat (JSON ping/pong)' }
} as const
/** Reported only when a pong came back with another payload: a finding, not a measurement. */
const PONG_PAYLOAD = {
  id: 'pong-payload',
  title: "pong echoes its ping's payload (RFC 6455 5.5.3)"
} as const

type Outcome = { checks: Check[]; metrics: { [key: string]: MetricValue } }

/**
 * The ping interval in ms: ping_interval (s) when configured, else the budget
 * spread over TARGET_PINGS. A configured interval is capped at
 * budgetMs / MIN_PINGS: the suite always sends MIN_PINGS pings, and with the
 * seed's 15 s interval a short run would otherwise spend 30 s or more
 * waiting between them, far past its budget.
 */
export function pingIntervalMs(ctx: Pick<SuiteContext, 'config' | 'budgetMs'>): number {
  const configured = heartbeatPingIntervalS(ctx.config)
  if (configured !== undefined) {
    return Math.min(configured * 1000, Math.max(MIN_PING_INTERVAL_MS, ctx.budgetMs / MIN_PINGS))
  }
  return Math.max(MIN_PING_INTERVAL_MS, ctx.budgetMs / TARGET_PINGS)
}

/**
 * The success-rate limit for a heartbeat measurement: its own threshold, but
 * never below thresholds.successRate, the run-wide floor on any success rate.
 */
export function heartbeatSuccessLimit(thresholds: SuiteContext['config']['thresholds']): number {
  return Math.max(thresholds.heartbeatSuccessRate, thresholds.successRate)
}

async function run(ctx: SuiteContext): Promise<Outcome> {
  // The idle window runs beside the pings, so the default one costs no extra time.
  const idle = watchIdleConnections(ctx, { fallbackPingIntervalMs: pingIntervalMs(ctx) })
  const pings = await measurePings(ctx)
  const { checks, metrics } = await idle
  return { checks: [...pings.checks, ...checks], metrics: { ...pings.metrics, idle: metrics } }
}

/** What the ping loop measured, for the checks. */
interface PingTally {
  sent: number
  /** Pong round trips judged for latency (ms): the service's own time. */
  rtts: number[]
  /** Pongs answered but not judged for latency: they may have waited behind delayed data. */
  heldBehindData: number[]
  /** Pings lost with a connection the path dropped: sent again, not judged. */
  lostToDrops: number
  firstError?: unknown
  lane: Lane
  /** Whether the path may hold pongs behind data it delayed (the metric is reported then). */
  reportsHeld: boolean
}

async function measurePings(ctx: SuiteContext): Promise<Outcome> {
  const intervalMs = pingIntervalMs(ctx)
  let lane: Lane
  try {
    let opened = 1
    lane = await ctx.path.openLane({ label: 'heartbeat_1' }, () => `heartbeat_${++opened}`)
  } catch (error) {
    const checks = Object.values(IDS).map(({ id, title }) => failedToMeasure(id, title, error))
    return { checks, metrics: { connectError: describeError(error) } }
  }
  const tally = await pingLoop(ctx, lane, intervalMs)
  return judgePings(ctx, tally, intervalMs)
}

/** Pings every `intervalMs` for the budget (at least MIN_PINGS), on a connection the path may reopen. */
async function pingLoop(ctx: SuiteContext, lane: Lane, intervalMs: number): Promise<PingTally> {
  const pongTimeoutMs = ctx.config.thresholds.pongTimeoutMs
  const ledger = ctx.path.ledger()
  const tally: PingTally = {
    sent: 0,
    rtts: [],
    heldBehindData: [],
    lostToDrops: 0,
    lane,
    reportsHeld: ctx.path.lossy
  }
  const stopAtMs = ctx.clock.nowMs() + ctx.budgetMs
  const planned = Math.min(MAX_PINGS, Math.max(MIN_PINGS, Math.floor(ctx.budgetMs / intervalMs)))
  try {
    for (let i = 0; i < planned && !ctx.signal.aborted; i++) {
      if (i >= MIN_PINGS && ctx.clock.nowMs() >= stopAtMs) break
      let connection = lane.current()
      if (connection.readyState !== 'OPEN' && lane.reopens() < MAX_PINGS) {
        // A drop the path injected is reopened (a direct path keeps the closed connection).
        try {
          connection = await lane.recover()
        } catch (error) {
          tally.firstError ??= error
          break
        }
      }
      if (connection.readyState !== 'OPEN') {
        // The service closed the connection while heartbeats were due: that is a missed
        // heartbeat, not the end of the measurement (one pong must not pass the suite).
        tally.sent++
        tally.firstError ??= new HealthError(
          'WSH_ERR_CONNECTION_LOST',
          `connection ${connection.label} was closed by the service with ${planned - i} pings still due`
        )
        break
      }
      const pingStart = ctx.clock.nowMs()
      const dataBefore = connection.stats.messagesReceived
      tally.sent++
      try {
        const rtt = await connection.ping(pongTimeoutMs)
        // The path's holds are taken out; a pong that may have waited behind delayed data
        // with no hold ledger to say how long is answered but not judged for latency.
        const own = ledger.ownTimeMs(
          rtt,
          pingStart,
          ctx.clock.nowMs(),
          connection.stats.messagesReceived > dataBefore
        )
        if (own === undefined) tally.heldBehindData.push(rtt)
        else tally.rtts.push(own)
      } catch (error) {
        // Lost with a drop the path injected, not left unanswered by the service: not judged,
        // and pinged again on the reopened connection; never more than the path dropped.
        if (ledger.excuseDrop(connection)) {
          tally.sent--
          tally.lostToDrops++
          i--
        } else tally.firstError ??= error
      }
      ctx.progress(i + 1, planned, 'pings')
      const wait = pingStart + intervalMs - ctx.clock.nowMs()
      if (wait > 0 && i + 1 < planned) await ctx.clock.sleep(wait, ctx.signal)
    }
  } catch {
    // Aborted while waiting between pings: judge what was measured.
  }
  return tally
}

async function judgePings(
  ctx: SuiteContext,
  tally: PingTally,
  intervalMs: number
): Promise<Outcome> {
  const { thresholds } = ctx.config
  const margin = thresholds.degradedMargin
  const pingIntervalS = heartbeatPingIntervalS(ctx.config)
  const pongTimeoutMs = ctx.config.thresholds.pongTimeoutMs
  const { sent, rtts, heldBehindData, lostToDrops, firstError } = tally
  const connection = tally.lane.current()
  const checks: Check[] = []
  const summary = summarize(rtts)
  const received = rtts.length + heldBehindData.length
  const unanswered = sent - received
  // A ping with no pong counts as a sample at the pong timeout: the slowest
  // it could have been while still counting. Without this, p99 would only
  // describe the pings that were answered and hide every loss.
  const withLosses = createSampleRecorder({ initialCapacity: Math.max(1, sent) })
  for (const rtt of rtts) withLosses.add(rtt)
  for (let i = 0; i < unanswered; i++) withLosses.add(pongTimeoutMs)
  const judged = withLosses.summary()
  const successRate = sent === 0 ? null : received / sent
  const dropped =
    lostToDrops > 0 ? ` (${lostToDrops} more went with injected drops: not judged)` : ''
  // A configured ping_interval the budget cannot hold MIN_PINGS of is capped: say so, not silently.
  const configuredMs = pingIntervalS === undefined ? undefined : pingIntervalS * 1000
  const capped =
    configuredMs !== undefined && configuredMs > intervalMs
      ? `; ping_interval ${pingIntervalS} s capped to ${Math.round(intervalMs)} ms so ${MIN_PINGS} pings fit the suite's ${Math.round(ctx.budgetMs)} ms share of duration`
      : ''
  const missed = `${unanswered} of ${sent} pings got no pong within ${pongTimeoutMs} ms${dropped}${capped}`
  const why = firstError === undefined ? '' : `; first: ${describeError(firstError)}`
  const noPing = (id: string, title: string): Check =>
    failedToMeasure(
      id,
      title,
      firstError ?? new HealthError('WSH_ERR_CONNECTION_LOST', 'no ping could be sent')
    )
  checks.push(
    sent === 0
      ? noPing(IDS.pong.id, IDS.pong.title)
      : measure({
          ...IDS.pong,
          value: unanswered,
          unit: 'count',
          op: '==',
          limit: 0,
          code: 'WSH_ERR_PONG_TIMEOUT',
          detail: `${missed}; slowest pong ${summary.max === null ? 'none' : `${Math.round(summary.max)} ms`}${why}`
        })
  )
  const heldText =
    heldBehindData.length > 0
      ? `; ${heldBehindData.length} pongs came in with data the path may have delayed: not judged for latency`
      : ''
  checks.push(
    sent === 0
      ? noPing(IDS.p99.id, IDS.p99.title)
      : judged.count === 0
        ? skipped(IDS.p99.id, IDS.p99.title, `every pong came in with data${heldText}`)
        : measure({
            ...IDS.p99,
            value: judged.p99,
            unit: 'ms',
            op: '<',
            limit: thresholds.heartbeatP99Ms,
            margin,
            ...(unanswered > 0 ? { code: 'WSH_ERR_PONG_TIMEOUT' as const } : {}),
            detail: `${sent} pings, ${unanswered} unanswered counted at ${pongTimeoutMs} ms${heldText}`
          })
  )
  checks.push(
    measure({
      ...IDS.success,
      value: successRate,
      unit: 'ratio',
      op: '>=',
      limit: heartbeatSuccessLimit(thresholds),
      margin,
      code: 'WSH_ERR_PONG_TIMEOUT',
      detail: missed
    })
  )
  const score = healthScore({
    successRate,
    avgLatencyMs: summary.avg,
    reconnections: 0,
    errors: connection.stats.errors
  })
  checks.push(
    measure({
      ...IDS.score,
      value: score,
      unit: 'score',
      op: '>',
      limit: thresholds.healthScore,
      margin,
      detail: `from ${sent} pings (band ${healthBand(score)})`
    })
  )
  checks.push(await appHeartbeat(ctx, connection))
  await closeQuietly(connection)
  const pongMismatches = tally.lane.opened.reduce((sum, c) => sum + c.stats.pongMismatches, 0)
  if (pongMismatches > 0) checks.push(pongPayloadFinding(pongMismatches, received))
  return {
    checks,
    metrics: {
      heartbeat: {
        sent,
        received,
        unanswered,
        successRate,
        intervalMs,
        ...(capped ? { configuredIntervalMs: configuredMs } : {}),
        pongTimeoutMs,
        reconnects: tally.lane.reopens(),
        lostToDrops,
        pongMismatches,
        ...(tally.reportsHeld ? { heldBehindData: heldBehindData.length } : {})
      },
      pongRttMs: { ...summary },
      healthScore: score,
      healthBand: healthBand(score)
    }
  }
}

/**
 * A conformance finding for pongs that did not echo their ping's payload:
 * they prove the service alive (the heartbeat checks count them), but
 * RFC 6455 5.5.3 says a pong answering a ping MUST echo its payload.
 */
function pongPayloadFinding(mismatches: number, received: number): Check {
  return verify({
    ...PONG_PAYLOAD,
    ok: false,
    value: mismatches,
    unit: 'count',
    expected: 0,
    conformance: true,
    code: 'WSH_ERR_PROTOCOL',
    message: `pong payload does not match the ping, RFC 6455 5.5.3: ${mismatches} of ${received} pongs did not echo their ping's payload (counted as answered for liveness)`
  })
}

async function appHeartbeat(ctx: SuiteContext, connection: Connection): Promise<Check> {
  const { id, title } = IDS.app
  if (ctx.config.protocol !== 'json') {
    return skipped(
      id,
      title,
      'the probe protocol is echo; set protocol json for an application-level JSON ping/pong'
    )
  }
  if (connection.readyState !== 'OPEN' || ctx.signal.aborted) {
    return failedToMeasure(
      id,
      title,
      new HealthError(
        'WSH_ERR_CONNECTION_LOST',
        `connection ${connection.label} is ${connection.readyState}`
      )
    )
  }
  const result = await runProbes(connection, {
    count: APP_HEARTBEATS,
    kind: 'json',
    timeoutMs: ctx.config.thresholds.messageTimeoutMs,
    signal: ctx.signal,
    clock: ctx.clock
  })
  return measure({
    id,
    title,
    value: result.sent === 0 ? null : result.intact / result.sent,
    unit: 'ratio',
    op: '>=',
    limit: heartbeatSuccessLimit(ctx.config.thresholds),
    margin: ctx.config.thresholds.degradedMargin,
    code: 'WSH_ERR_MESSAGE_TIMEOUT',
    detail: `${result.intact} of ${result.sent} JSON pings answered${result.firstError ? `; ${describeError(result.firstError)}` : ''}`
  })
}

export const heartbeatMonitoringSuite: Suite = { ...SUITE_CATALOG['heartbeat-monitoring'], run }
