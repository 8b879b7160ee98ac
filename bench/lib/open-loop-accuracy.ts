/**
 * (g) open-loop schedule accuracy: the scheduler of src/engine/open-loop.ts
 * drives one instrumented connection to the reference server at a target
 * rate, with a backlog bound no probe reaches. It reports the rate it really
 * sent at (probes sent over the time from the first scheduled send to the
 * last actual one) and how late each send left after its scheduled time.
 * Lateness is what the tool itself adds to every open-loop latency.
 *
 * Baseline, in the same child: the same schedule (same timer and
 * setImmediate waits) sending over a bare `ws` socket with no
 * instrumentation, so a busy machine's share of the lateness shows in both.
 */
import type WebSocket from 'ws'
import { createConnection } from '../../src/client/connection.js'
import { runOpenLoop } from '../../src/engine/open-loop.js'
import { closeQuietly } from '../../src/engine/probes.js'
import { systemClock } from '../../src/metrics/clock.js'
import { SPIN_WINDOW_MS } from '../../src/engine/open-loop.js'
import { clientContext, closeBare, echoPayload, openBare } from './echo-loops.js'
import { percentiles } from './stats.js'

export interface OpenLoopAccuracy {
  targetPerSec: number
  achievedPerSec: number | null
  scheduled: number
  sent: number
  replies: number
  backlogged: number
  latenessMs: { p50: number; p99: number; max: number }
  /** Round trips measured from the intended send time (what the suite judges). */
  latencyMs: { p50: number; p99: number }
  runMs: number
  /** The bare `ws` sender on the same schedule. */
  bare: {
    achievedPerSec: number | null
    sent: number
    replies: number
    latenessMs: { p50: number; p99: number; max: number }
  }
}

/** The figures both senders report. */
function figures(
  sent: number,
  startMs: number,
  lastSendMs: number,
  ratePerSec: number,
  lateness: ArrayLike<number>
) {
  const [p50, p99] = percentiles(lateness, [50, 99])
  let max = 0
  for (let i = 0; i < lateness.length; i++) max = Math.max(max, lateness[i])
  const spanMs = lastSendMs - startMs
  return {
    // n sends span n - 1 intervals after the first; the last one's own interval completes it.
    achievedPerSec: spanMs >= 0 && sent > 0 ? sent / ((spanMs + 1000 / ratePerSec) / 1000) : null,
    latenessMs: { p50, p99, max }
  }
}

/** Waits as runOpenLoop does: a timer for the bulk, setImmediate for the last SPIN_WINDOW_MS. */
function waitFor(aheadMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (aheadMs > SPIN_WINDOW_MS) setTimeout(resolve, aheadMs - SPIN_WINDOW_MS)
    else setImmediate(resolve)
  })
}

/** The baseline: the same fixed schedule over a bare socket; waits (bounded) for every echo. */
async function bareOpenLoop(url: string, ratePerSec: number, runMs: number) {
  const ws: WebSocket = await openBare(url)
  const payload = echoPayload()
  const intervalMs = 1000 / ratePerSec
  const total = Math.ceil(runMs / intervalMs)
  const lateness = new Float64Array(total)
  let replies = 0
  let allEchoed: () => void = () => undefined
  const echoed = new Promise<void>((resolve) => (allEchoed = resolve))
  ws.on('message', () => {
    if (++replies === total) allEchoed()
  })
  const startMs = performance.now()
  let sent = 0
  let lastSendMs = startMs
  while (sent < total) {
    const nowMs = performance.now()
    while (sent < total && startMs + sent * intervalMs <= nowMs) {
      ws.send(payload, { binary: false })
      lastSendMs = performance.now()
      lateness[sent] = lastSendMs - (startMs + sent * intervalMs)
      sent++
    }
    if (sent < total) await waitFor(startMs + sent * intervalMs - performance.now())
  }
  const limit = setTimeout(allEchoed, 10_000)
  await echoed
  clearTimeout(limit)
  await closeBare(ws)
  return { sent, replies, ...figures(sent, startMs, lastSendMs, ratePerSec, lateness) }
}

/** Runs the schedule at `ratePerSec` for `runMs` after a short warm-up at the same rate. */
export async function openLoopAccuracy(
  url: string,
  ratePerSec: number,
  runMs: number,
  warmupMs: number
): Promise<OpenLoopAccuracy> {
  const { recorder, protocol, timeouts } = clientContext()
  const connection = await createConnection({
    url,
    clock: systemClock,
    protocol,
    recorder,
    ...timeouts
  })
  const signal = new AbortController().signal
  const run = (ms: number) =>
    runOpenLoop({
      connections: [connection],
      ratePerSec,
      // Far above what loopback keeps outstanding: the bound must not shape the schedule.
      maxInFlight: 1_000_000,
      timeoutMs: 10_000,
      stopAtMs: systemClock.nowMs() + ms,
      signal,
      clock: systemClock
    })
  try {
    await run(warmupMs)
    await bareOpenLoop(url, ratePerSec, warmupMs)
    const result = await run(runMs)
    const bare = await bareOpenLoop(url, ratePerSec, runMs)
    const [l50, l99] = percentiles(result.latenciesMs, [50, 99])
    return {
      targetPerSec: ratePerSec,
      ...figures(result.sent, result.startMs, result.lastSendMs, ratePerSec, result.sendLatenessMs),
      scheduled: result.scheduled,
      sent: result.sent,
      replies: result.replies,
      backlogged: result.backlogged,
      latencyMs: { p50: l50, p99: l99 },
      runMs,
      bare
    }
  } finally {
    await closeQuietly(connection)
  }
}
