/**
 * Resource-exhaustion scenarios of stress mode, each reported with what the
 * service did: many idle connections (kept? served afterwards?), a slow
 * reader that lets the service's buffers fill, and an oversized message.
 * Outcomes are stable codes plus one line; src/report/ renders them.
 */
import { runSlowReader } from '../client/slow-reader.js'
import { PROBE_CAP_FACTOR } from '../client/message-cap.js'
import { describeError } from '../errors.js'
import type { SuiteContext } from './suite-types.js'
import type { LoadPool } from './load-pool.js'
import type { MetricValue } from './model.js'
import { closeQuietly, connectWithin, runProbes } from './probes.js'

/** Bytes per slow-reader message and how many: 16 MiB in all, above typical socket buffers. */
export const SLOW_READER_MESSAGE_BYTES = 64 * 1024
export const SLOW_READER_MESSAGES = 256
/** The oversized message: 4x the large probe, at least 16 MiB, at most the 64 MiB probes allow. */
export const OVERSIZE_MIN_BYTES = 16 * 1024 * 1024
export const OVERSIZE_MAX_BYTES = 64 * 1024 * 1024
/** Longest wait for the replies that judge whether idle connections are still served, in ms. */
export const IDLE_SETTLE_MS = 5_000
/**
 * Shortest reply timeout for the probes that check others are still served
 * while the slow reader stalls, in ms. The hold can be 100 ms when the budget
 * is small, and a busy CI runner alone can delay a loopback reply that long:
 * timing out there would report "others-starved" for the runner's load.
 */
export const OTHERS_PROBE_MIN_TIMEOUT_MS = 1_000
/**
 * Longest the slow reader reads after resuming, in ms; it stops as soon as
 * every reply arrived, so this only bounds a service that lost some. 16 MiB
 * of queued replies need more than a short hold to drain on a busy runner.
 */
export const SLOW_READER_DRAIN_MS = 3_000
/** Longest wait for the oversized message's reply, in ms. */
export const OVERSIZE_TIMEOUT_MS = 10_000

export type ScenarioReport = { [key: string]: MetricValue }

/**
 * What a scenario needs of the run: the suites' view of it without a budget
 * (`target` is the service URL; the slow reader dials it directly).
 */
export type ScenarioContext = Pick<
  SuiteContext,
  'config' | 'target' | 'connect' | 'canCarry' | 'clock' | 'signal'
>

/**
 * Leaves every connection of `pool` idle for `idleMs`, then drives it for
 * `checkMs` to see which are still open and answered.
 */
export async function idleConnections(
  pool: LoadPool,
  ctx: ScenarioContext,
  idleMs: number,
  checkMs: number
): Promise<ScenarioReport> {
  const before = pool.openCount()
  const dropsBefore = pool.totals.drops
  try {
    await ctx.clock.sleep(idleMs, ctx.signal)
  } catch {
    // Aborted: judge what is there.
  }
  const stillOpen = pool.openCount()
  const closedWhileIdle = pool.totals.drops - dropsBefore
  const replied = pool.slots.map((slot) => slot.replies)
  await pool.drive(ctx.clock.nowMs() + checkMs)
  // A reply that is merely slow still shows the connection was served.
  await pool.settle(
    ctx.clock.nowMs() + Math.min(ctx.config.thresholds.messageTimeoutMs, IDLE_SETTLE_MS)
  )
  let answered = 0
  pool.slots.forEach((slot, i) => {
    if (slot.replies > replied[i]) answered++
  })
  const outcome =
    closedWhileIdle > 0
      ? 'closed-idle-connections'
      : answered < stillOpen
        ? 'stopped-answering'
        : 'kept-and-served'
  return {
    outcome,
    connections: before,
    idleMs: Math.round(idleMs),
    stillOpen,
    closedWhileIdle,
    answeredAfterIdle: answered,
    observed:
      outcome === 'kept-and-served'
        ? `kept all ${before} idle connections open and answered on each afterwards`
        : outcome === 'closed-idle-connections'
          ? `closed ${closedWhileIdle} of ${before} connections while they were idle`
          : `kept ${stillOpen} idle connections open but only ${answered} answered afterwards`
  }
}

/** A reader that stops reading while the service keeps replying, and a second connection that checks the service still serves others. */
export async function slowReader(ctx: ScenarioContext, holdMs: number): Promise<ScenarioReport> {
  const { config } = ctx
  const echo = ctx.canCarry('binary') === true
  const jsonProbe = Buffer.from(config.json.template.split('{{id}}').join('1'))
  const payload = Buffer.alloc(SLOW_READER_MESSAGE_BYTES, 0x61)
  const messages = echo ? SLOW_READER_MESSAGES : SLOW_READER_MESSAGES * 8
  let othersOk = 0
  let othersSent = 0
  let othersMaxMs: number | null = null
  const result = await runSlowReader({
    url: ctx.target,
    subprotocols: config.subprotocols,
    headers: config.headers,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    clock: ctx.clock,
    signal: ctx.signal,
    messages,
    message: () => (echo ? payload : jsonProbe),
    holdMs,
    drainMs: Math.max(holdMs, SLOW_READER_DRAIN_MS),
    async whilePaused() {
      try {
        const other = await connectWithin(
          ctx.connect,
          { label: 'stress_other', record: false },
          ctx.signal
        )
        const probes = await runProbes(other, {
          count: 5,
          timeoutMs: Math.min(
            config.thresholds.messageTimeoutMs,
            Math.max(OTHERS_PROBE_MIN_TIMEOUT_MS, holdMs)
          ),
          signal: ctx.signal,
          clock: ctx.clock
        })
        othersSent = probes.sent
        othersOk = probes.replies
        othersMaxMs = probes.rttsMs.length ? Math.max(...probes.rttsMs) : null
        await closeQuietly(other)
      } catch {
        othersSent = Math.max(othersSent, 1)
      }
    }
  })
  if (!result.opened) {
    return {
      outcome: 'not-opened',
      observed: `the slow reader could not connect: ${result.openError ?? 'unknown error'}`
    }
  }
  const outcome =
    result.closeCode !== null
      ? 'closed-slow-reader'
      : othersOk < othersSent
        ? 'others-starved'
        : result.receivedMessages < result.sentMessages
          ? 'dropped-replies'
          : 'buffered-all'
  const observed = {
    'closed-slow-reader': `closed the slow reader (code ${result.closeCode}${result.closeReason ? `: ${result.closeReason}` : ''}) and kept serving others`,
    'others-starved': `while one reader stalled, another connection got ${othersOk} of ${othersSent} replies`,
    'dropped-replies': `kept the slow reader open but ${result.receivedMessages} of ${result.sentMessages} replies arrived after it resumed`,
    'buffered-all': `buffered all ${result.sentMessages} replies (${result.sentBytes} bytes) for the slow reader and kept serving others`
  }[outcome]
  return {
    outcome,
    sentMessages: result.sentMessages,
    sentBytes: result.sentBytes,
    receivedMessages: result.receivedMessages,
    receivedBytes: result.receivedBytes,
    closeCode: result.closeCode,
    othersReplies: othersOk,
    othersSent,
    othersMaxRttMs: othersMaxMs,
    observed
  }
}

/** One message far above the large probe: echoed, refused with a close code, or ignored. */
export async function oversizedMessage(ctx: ScenarioContext): Promise<ScenarioReport> {
  const carry = ctx.canCarry('large')
  if (carry !== true) return { outcome: 'skipped', observed: carry }
  const bytes = Math.min(
    OVERSIZE_MAX_BYTES,
    Math.max(OVERSIZE_MIN_BYTES, ctx.config.largePayloadBytes * 4)
  )
  let connection
  try {
    connection = await connectWithin(
      ctx.connect,
      // The run's message cap is below this probe; its echo must not be cut by our own limit.
      { label: 'stress_oversize', record: false, maxPayload: PROBE_CAP_FACTOR * bytes },
      ctx.signal
    )
  } catch (error) {
    return { outcome: 'not-opened', bytes, observed: `could not connect: ${describeError(error)}` }
  }
  const timeoutMs = Math.min(ctx.config.thresholds.messageTimeoutMs, OVERSIZE_TIMEOUT_MS)
  const probes = await runProbes(connection, {
    count: 1,
    kind: 'large',
    bytes,
    timeoutMs,
    signal: ctx.signal,
    clock: ctx.clock
  })
  const open = connection.readyState === 'OPEN'
  await closeQuietly(connection)
  const info = open ? null : await connection.closed
  const outcome =
    probes.intact === 1
      ? 'echoed'
      : info !== null
        ? 'closed-connection'
        : probes.timeouts > 0
          ? 'no-reply'
          : 'corrupted'
  const observed = {
    echoed: `accepted and echoed a ${bytes}-byte message intact`,
    'closed-connection': `closed the connection on a ${bytes}-byte message (code ${info?.code}${info?.reason ? `: ${info.reason}` : ''})`,
    'no-reply': `kept the connection open but never answered a ${bytes}-byte message within ${timeoutMs} ms`,
    corrupted: `answered a ${bytes}-byte message with something else`
  }[outcome]
  return {
    outcome,
    bytes,
    closeCode: info?.code ?? null,
    rttMs: probes.rttsMs[0] ?? null,
    observed
  }
}
