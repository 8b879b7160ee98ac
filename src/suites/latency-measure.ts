/**
 * latency-performance's two ways of measuring, each returning the same
 * LatencyMeasurement for the suite to judge:
 *
 * - open loop (default, `latency_mode: open`): probes on a fixed schedule
 *   (`probe_rate` probes/s over `latency_connections`), each round trip
 *   measured from its intended send time (src/engine/open-loop.ts), so a
 *   stall counts in every probe it held up.
 * - closed loop (`latency_mode: closed`, and always on a lossy path): one
 *   probe at a time on one lane, the next sent when the last is answered; a
 *   stall then is one slow sample (coordinated omission).
 *
 * Both go through the service path (SuiteContext.path): on a lossy path
 * the lane reopens a dropped connection and a lost probe is resent, but the
 * ledger excuses no more resends than the path lost or dropped messages
 * during the suite, and takes out of each round trip what the path held
 * its request and reply for. That hold ledger assumes sequential round
 * trips, which is why a lossy path measures closed loop.
 */
import type { MetricValue } from '../engine/model.js'
import { runOpenLoop } from '../engine/open-loop.js'
import type { Lane } from '../engine/service-path.js'
import type { ErrorCode } from '../errors.js'
import { summarize } from '../metrics/recorder.js'
import type { SuiteContext } from '../engine/suite-types.js'

/** Upper bound on probes, whatever the budget (a fast local echo does ~20k/s). */
export const MAX_LATENCY_PROBES = 1_000_000
/** Progress is reported every this many closed-loop probes. */
const PROGRESS_EVERY = 50

export type LatencyMode = 'open' | 'closed'

/** What one way of measuring found; the suite judges it the same way whichever measured. */
export interface LatencyMeasurement {
  mode: LatencyMode
  /** Why the mode differs from latency_mode, when it does. */
  modeReason?: string
  /** Probes judged: sent (or, open loop, scheduled) minus those cut by the deadline. */
  judged: number
  /** Probes answered with an intact reply. */
  replies: number
  /** Judged probes without an intact reply (each counts as a sample at the timeout). */
  lost: number
  /** The answered probes' latencies, ms (open loop: from the intended send time). */
  latenciesMs: ArrayLike<number>
  /** Clock.nowMs per latency (open loop: intended send time; closed: reply time). */
  timesMs: ArrayLike<number>
  /**
   * What the degradation trend is computed on (same order as timesMs), and
   * how that differs from latenciesMs when it does. Open loop judges the
   * trend on round trips from the actual send: a lag of this process moves
   * every open-loop latency due during it, enough to shift a window's
   * median, but the service's slowing over the run shows in both.
   */
  trend: { latenciesMs: ArrayLike<number>; note?: string }
  /** Round trips from the actual send, ms, as the client saw them. */
  replySummary: ReturnType<typeof summarize>
  elapsedMs: number
  bytes: number
  /** The error code a miss is charged with when probes were lost. */
  lossCode: ErrorCode
  /** Appended to the checks' messages: how it was measured, what was lost. */
  detail: string
  /** Resends beyond what the path lost or dropped (closed loop on a lossy path). */
  unexcused: number
  /** What the path held each request and reply for was taken out of latenciesMs (the service's own time). */
  holdsTakenOut: boolean
  /** Corrupted replies (they answer nothing). */
  corrupted: number
  firstError?: unknown
  /** The suite's `probes` metric. */
  probes: { [key: string]: MetricValue }
  /** Open loop's own figures (metrics.openLoop); absent for closed loop. */
  openLoop?: { [key: string]: MetricValue }
}

function lossCode(corrupted: number, timeouts: number, backlogged: number): ErrorCode {
  if (corrupted > 0) return 'WSH_ERR_CORRUPTED_REPLY'
  if (timeouts > 0) return 'WSH_ERR_MESSAGE_TIMEOUT'
  if (backlogged > 0) return 'WSH_ERR_PROBE_BACKLOG'
  return 'WSH_ERR_CONNECTION_LOST'
}

/** Opens `count` lanes (labels latency_1..); on a failure closes those opened and rethrows. */
export async function openLatencyLanes(ctx: SuiteContext, count: number): Promise<Lane[]> {
  const opened: Lane[] = []
  // Replacements (a lossy path reopens dropped connections) are numbered after the first lanes.
  let labels = count
  try {
    for (let i = 1; i <= count; i++) {
      opened.push(await ctx.path.openLane({ label: `latency_${i}` }, () => `latency_${++labels}`))
    }
    return opened
  } catch (error) {
    await Promise.all(opened.map((lane) => lane.close()))
    throw error
  }
}

/**
 * Open loop over `lanes` (closed when done) for the suite's budget. The
 * scheduler sends on each lane's connection as it is: only a path that
 * drops nothing measures open loop (see measureLatency).
 */
export async function measureOpenLoop(
  ctx: SuiteContext,
  lanes: Lane[]
): Promise<LatencyMeasurement> {
  const { config, clock } = ctx
  const timeoutMs = config.thresholds.messageTimeoutMs
  const connections = lanes.map((lane) => lane.current())
  const startMs = clock.nowMs()
  const result = await runOpenLoop({
    connections,
    ratePerSec: config.probeRate,
    maxInFlight: config.maxInFlight,
    timeoutMs,
    stopAtMs: startMs + ctx.budgetMs,
    signal: ctx.signal,
    clock,
    maxProbes: MAX_LATENCY_PROBES,
    onProgress() {
      ctx.progress(Math.min(clock.nowMs() - startMs, ctx.budgetMs), ctx.budgetMs, 'latency probes')
    }
  })
  const elapsedMs = clock.nowMs() - startMs
  await Promise.all(lanes.map((lane) => lane.close()))
  // Probes cut by the deadline were not given their full timeout: they are not judged.
  const judged = result.scheduled - result.abandoned
  const lost = judged - result.replies
  const scheduleMs = result.endMs - result.startMs
  const lateness = summarize(result.sendLatenessMs)
  const backlogText =
    result.backlogged > 0
      ? `, ${result.backlogged} not sent because ${config.maxInFlight} probes were outstanding (max_in_flight)`
      : ''
  return {
    mode: 'open',
    judged,
    replies: result.replies,
    lost,
    latenciesMs: result.latenciesMs,
    timesMs: result.intendedAtMs,
    trend: {
      latenciesMs: result.rttsMs,
      note: "round trips timed from each probe's actual send, so this process's own lag does not move the windows"
    },
    replySummary: summarize(result.rttsMs),
    elapsedMs,
    bytes: result.bytes,
    lossCode: lossCode(result.corrupted, result.timeouts, result.backlogged),
    detail: `open loop at ${config.probeRate} probes/s over ${connections.length} connection(s), each measured from its intended send time; ${lost} of ${judged} probes got no intact reply (counted at ${timeoutMs} ms)${backlogText}`,
    unexcused: 0,
    holdsTakenOut: false,
    corrupted: result.corrupted,
    ...(result.firstError === undefined ? {} : { firstError: result.firstError }),
    probes: {
      scheduled: result.scheduled,
      sent: result.sent,
      replies: result.replies,
      timeouts: result.timeouts,
      failures: result.failures,
      backlogged: result.backlogged,
      abandoned: result.abandoned,
      corrupted: result.corrupted
    },
    openLoop: {
      targetRatePerSec: config.probeRate,
      achievedRatePerSec: scheduleMs > 0 ? result.sent / (scheduleMs / 1000) : null,
      connections: connections.length,
      maxInFlight: config.maxInFlight,
      sendLatenessMs: { p50: lateness.p50, p99: lateness.p99, max: lateness.max }
    }
  }
}

/** Closed loop on one lane for the suite's budget (a lossy path reopens it and resends). */
export async function measureClosedLoop(
  ctx: SuiteContext,
  lane: Lane
): Promise<LatencyMeasurement> {
  const { clock } = ctx
  const startMs = clock.nowMs()
  const budgetMs = ctx.budgetMs
  const timeoutMs = ctx.config.thresholds.messageTimeoutMs
  let reported = 0
  const ledger = ctx.path.ledger()
  const result = await ctx.path.probe(lane, {
    count: MAX_LATENCY_PROBES,
    stopAtMs: startMs + budgetMs,
    onWave(done) {
      if (done - reported < PROGRESS_EVERY) return
      reported = done
      ctx.progress(Math.min(clock.nowMs() - startMs, budgetMs), budgetMs, 'latency probes')
    }
  })
  const elapsedMs = clock.nowMs() - startMs
  await lane.close()

  const judged = result.sent - result.abandoned
  // A resend is excused only while the path really lost or dropped that many messages during
  // this suite; resends beyond that are the service's own losses.
  const unexcused = ledger.unexcusedResends(result.resent)
  const lost = judged - result.replies + Math.min(unexcused, result.replies)
  // The probes are sequential on one lane, and no other suite runs: each round trip less what
  // the path held its request and reply for is the service's own time.
  const latencies = result.rttsMs.map(
    (rtt, i) => ledger.ownTimeMs(rtt, result.atMs[i] - rtt, result.atMs[i], false) ?? rtt
  )
  const hits = ledger.injected()
  const unexcusedText =
    unexcused > 0
      ? `; ${unexcused} resends beyond the ${hits.losses + hits.disconnects} messages the relay lost or dropped count as lost`
      : ''
  return {
    mode: 'closed',
    judged,
    replies: result.replies,
    lost,
    latenciesMs: latencies,
    timesMs: result.atMs,
    trend: { latenciesMs: latencies },
    replySummary: summarize(result.rttsMs),
    elapsedMs,
    bytes: result.bytes,
    lossCode: lossCode(result.corrupted, result.timeouts, 0),
    detail: `closed loop (each probe sent when the last was answered); ${lost} of ${judged} probes got no intact reply (counted at ${timeoutMs} ms)${unexcusedText}`,
    unexcused,
    // A direct path holds nothing, so only a lossy one has holds to take out.
    holdsTakenOut: ctx.path.lossy && ledger.measuresHolds,
    corrupted: result.corrupted,
    ...(result.firstError === undefined ? {} : { firstError: result.firstError }),
    probes: {
      sent: result.sent,
      replies: result.replies,
      timeouts: result.timeouts,
      failures: result.failures,
      abandoned: result.abandoned,
      reconnects: result.reconnects,
      resent: result.resent,
      ...(ctx.path.lossy ? { resendsNotExcused: unexcused } : {})
    }
  }
}
