/**
 * heartbeat-monitoring's idle window. Proxies and load balancers cut idle
 * WebSocket connections (nginx proxy_read_timeout and the AWS ALB idle
 * timeout both default to 60 s), the failure production sees most and a
 * short burst of probes never does. One connection stays fully idle (no
 * data, no client pings) for idle_ms; a second one pings at the ping
 * interval over the same window, so a drop of the first says whether pings
 * are the cure.
 *
 * The pinging connection is its own, not the heartbeat's: the heartbeat's
 * pings are spaced to sample a p99 within the suite's budget (about 100 of
 * them, or ping_interval capped to a third of the budget), they stop with
 * the budget, and the path may reopen that connection after drops. None
 * of that is one connection living through idle_ms at the client's real
 * ping interval.
 */
import type { CloseInfo, Connection } from '../client/types.js'
import { heartbeatPingIntervalS, type Config } from '../config/schema.js'
import { failedToMeasure, measure, skipped } from '../engine/checks.js'
import type { Check, MetricValue } from '../engine/model.js'
import { closeQuietly, connectWithin } from '../engine/probes.js'
import type { SuiteContext } from '../engine/suite-types.js'

/** Ceiling on the default idle window (ms): past two minutes a health check turns into a soak test. */
export const DEFAULT_IDLE_MAX_MS = 120_000
/** Kept back from the suite's time left (ms) to close both connections and return the checks. */
export const IDLE_FINISH_RESERVE_MS = 2_000
/** Upper bound on the pinging connection's pings, whatever the interval and window. */
export const MAX_IDLE_PINGS = 100_000
/** Re-sleeps allowed when a timer fires a little early, so the window is never judged short. */
const MAX_EARLY_WAKES = 5

export const IDLE_IDS = {
  idle: {
    id: 'idle-connection-survives',
    title: 'idle connection (no data, no pings) stays open for idle_ms'
  },
  pinged: {
    id: 'idle-connection-with-pings-survives',
    title: 'connection pinging at the ping interval stays open for idle_ms'
  }
} as const

export interface IdleWatchOptions {
  /** The ping interval (ms) used when ping_interval is not configured: the heartbeat's own. */
  fallbackPingIntervalMs: number
}

export interface IdleOutcome {
  checks: Check[]
  metrics: { [key: string]: MetricValue }
}

/** How one connection's window ended. */
interface Lifetime {
  /** From the open event to the first closing state, or to the window's end when still open (ms). */
  lifetimeMs: number
  close?: CloseInfo
  /** The suite was cut before the window ended. */
  aborted: boolean
  pingsSent: number
  pongsReceived: number
}

/** idle_ms when set, else the suite's sampling budget capped at DEFAULT_IDLE_MAX_MS. */
export function idleMsFor(config: Config, budgetMs: number): number {
  return config.idleMs ?? Math.floor(Math.min(Math.max(0, budgetMs), DEFAULT_IDLE_MAX_MS))
}

/** The pinging connection's interval (ms): ping_interval as configured (not capped to the budget), else the fallback. */
export function idlePingIntervalMs(config: Config, fallbackMs: number): number {
  const configured = heartbeatPingIntervalS(config)
  return configured !== undefined ? Math.round(configured * 1000) : fallbackMs
}

/**
 * Holds the idle and the pinging connection open for the idle window, at
 * the same time as the rest of the suite, and judges both. Never rejects.
 */
export async function watchIdleConnections(
  ctx: SuiteContext,
  options: IdleWatchOptions
): Promise<IdleOutcome> {
  const askedMs = idleMsFor(ctx.config, ctx.budgetMs)
  const intervalMs = idlePingIntervalMs(ctx.config, options.fallbackPingIntervalMs)
  const ledger = ctx.path.ledger()
  const opened = await Promise.allSettled([
    connectWithin(ctx.connect, { label: 'idle_1' }, ctx.signal),
    connectWithin(ctx.connect, { label: 'idle_pinged_1' }, ctx.signal)
  ])
  const [idle, pinged] = opened.map((r) => (r.status === 'fulfilled' ? r.value : undefined))
  if (idle === undefined || pinged === undefined) {
    await Promise.all([idle, pinged].map((c) => (c ? closeQuietly(c) : undefined)))
    const error = opened.find((r) => r.status === 'rejected')?.reason
    return {
      checks: Object.values(IDLE_IDS).map(({ id, title }) => failedToMeasure(id, title, error)),
      metrics: { askedMs }
    }
  }
  const timeLeftMs = ctx.timeLeftMs?.() ?? Number.POSITIVE_INFINITY
  const windowMs = Math.max(0, Math.floor(Math.min(askedMs, timeLeftMs - IDLE_FINISH_RESERVE_MS)))
  const [idleLife, pingedLife] = await Promise.all([
    holdIdle(ctx, idle, windowMs),
    holdPinging(ctx, pinged, windowMs, intervalMs)
  ])
  await Promise.all([closeQuietly(idle), closeQuietly(pinged)])
  const judged = { askedMs, windowMs, intervalMs, excused: () => ledger.dropExcuse() }
  return {
    checks: [idleCheck(judged, idleLife, pingedLife), pingedCheck(judged, pingedLife)],
    metrics: {
      askedMs,
      windowMs,
      lifetimeMs: Math.round(idleLife.lifetimeMs),
      ...closeMetrics(idleLife.close),
      pinged: {
        intervalMs,
        lifetimeMs: Math.round(pingedLife.lifetimeMs),
        pingsSent: pingedLife.pingsSent,
        pongsReceived: pingedLife.pongsReceived,
        ...closeMetrics(pingedLife.close)
      }
    }
  }
}

/** Keeps the connection silent until the window ends or it closes. */
function holdIdle(ctx: SuiteContext, connection: Connection, windowMs: number): Promise<Lifetime> {
  const openedAtMs = openedAt(connection, ctx)
  return holdOpen(ctx, connection, openedAtMs + windowMs).then((ended) =>
    lifetime(ctx, connection, openedAtMs, ended, 0)
  )
}

/** Pings every `intervalMs` (not waiting for pongs) until the window ends or the connection closes. */
async function holdPinging(
  ctx: SuiteContext,
  connection: Connection,
  windowMs: number,
  intervalMs: number
): Promise<Lifetime> {
  const openedAtMs = openedAt(connection, ctx)
  const endAtMs = openedAtMs + windowMs
  const pongTimeoutMs = ctx.config.thresholds.pongTimeoutMs
  const planned = Math.min(MAX_IDLE_PINGS, Math.ceil(windowMs / intervalMs))
  let sent = 0
  let answered = 0
  let ended: HoldEnd = 'open'
  for (let i = 1; i <= planned && ended === 'open'; i++) {
    const pingAtMs = openedAtMs + i * intervalMs
    if (pingAtMs >= endAtMs) break
    ended = await holdOpen(ctx, connection, pingAtMs)
    if (ended !== 'open') break
    sent++
    connection.ping(pongTimeoutMs).then(
      () => answered++,
      // A missing pong is not this check's question (ping-pong judges pongs); survival is.
      () => undefined
    )
  }
  if (ended === 'open') ended = await holdOpen(ctx, connection, endAtMs)
  return lifetime(ctx, connection, openedAtMs, ended, sent, () => answered)
}

type HoldEnd = 'open' | 'closed' | 'aborted'

/** Waits until `untilMs` (Clock.nowMs), the connection closing, or the suite's abort, whichever comes first. */
async function holdOpen(
  ctx: SuiteContext,
  connection: Connection,
  untilMs: number
): Promise<HoldEnd> {
  const stop = new AbortController()
  const signal = AbortSignal.any([ctx.signal, stop.signal])
  const closing = connection.closed.then(() => 'closed' as const)
  try {
    for (let wake = 0; wake < MAX_EARLY_WAKES; wake++) {
      if (!isOpen(connection)) return 'closed'
      const waitMs = untilMs - ctx.clock.nowMs()
      if (waitMs <= 0) return 'open'
      const slept = ctx.clock.sleep(waitMs, signal).then(
        () => 'slept' as const,
        () => 'aborted' as const
      )
      const first = await Promise.race([closing, slept])
      if (first === 'closed') return 'closed'
      if (first === 'aborted') return ctx.signal.aborted ? 'aborted' : 'closed'
    }
    return isOpen(connection) ? 'open' : 'closed'
  } finally {
    stop.abort()
  }
}

function isOpen(connection: Connection): boolean {
  return connection.readyState === 'OPEN'
}

/** When the connection opened (its OPEN state), or now when the client did not record it. */
function openedAt(connection: Connection, ctx: SuiteContext): number {
  return connection.states.find((s) => s.state === 'OPEN')?.atMs ?? ctx.clock.nowMs()
}

async function lifetime(
  ctx: SuiteContext,
  connection: Connection,
  openedAtMs: number,
  ended: HoldEnd,
  pingsSent: number,
  pongs: () => number = () => 0
): Promise<Lifetime> {
  const closingAtMs = connection.states.find(
    (s) => s.state === 'CLOSING' || s.state === 'CLOSED'
  )?.atMs
  const endMs = ended === 'closed' && closingAtMs !== undefined ? closingAtMs : ctx.clock.nowMs()
  const close = ended === 'closed' ? await closeInfoSoon(ctx, connection) : undefined
  return {
    lifetimeMs: Math.max(0, endMs - openedAtMs),
    ...(close ? { close } : {}),
    aborted: ended === 'aborted',
    pingsSent,
    pongsReceived: pongs()
  }
}

/** Bound on waiting for a close the service started to finish (ms), to read its code. */
const CLOSE_INFO_WAIT_MS = 1_000

/** The close's code and side, once the closing handshake the service started has finished. */
async function closeInfoSoon(
  ctx: SuiteContext,
  connection: Connection
): Promise<CloseInfo | undefined> {
  const stop = new AbortController()
  try {
    return await Promise.race([
      connection.closed,
      ctx.clock.sleep(CLOSE_INFO_WAIT_MS, stop.signal).then(
        () => undefined,
        () => undefined
      )
    ])
  } finally {
    stop.abort()
  }
}

interface Judged {
  askedMs: number
  windowMs: number
  intervalMs: number
  excused: () => string | undefined
}

function idleCheck(judged: Judged, idle: Lifetime, pinged: Lifetime): Check {
  const { id, title } = IDLE_IDS.idle
  const notJudged = notJudgedReason(judged, idle)
  if (notJudged !== undefined) return skipped(id, title, notJudged)
  const cut = idle.close !== undefined || idle.lifetimeMs < judged.windowMs
  const detail = cut
    ? `idle connections are cut after ~${Math.round(idle.lifetimeMs)} ms: ${closeText(idle.close)}; ${pingVerdict(judged, pinged)}; send pings more often than that or raise the proxy's idle timeout`
    : `open after ${judged.windowMs} ms with no data and no pings`
  return measure({
    id,
    title,
    value: Math.round(idle.lifetimeMs),
    unit: 'ms',
    op: '>=',
    limit: judged.windowMs,
    code: 'WSH_ERR_CONNECTION_LOST',
    detail: detail + cappedText(judged)
  })
}

function pingedCheck(judged: Judged, pinged: Lifetime): Check {
  const { id, title } = IDLE_IDS.pinged
  if (judged.intervalMs >= judged.windowMs) {
    return skipped(
      id,
      title,
      `the ping interval (${judged.intervalMs} ms) is not shorter than the ${judged.windowMs} ms idle window, so no ping falls in it; set idle_ms above test_suites.heartbeat-monitoring.ping_interval`
    )
  }
  const notJudged = notJudgedReason(judged, pinged)
  if (notJudged !== undefined) return skipped(id, title, notJudged)
  const pings = `${pinged.pingsSent} pings every ${judged.intervalMs} ms, ${pinged.pongsReceived} pongs`
  return measure({
    id,
    title,
    value: Math.round(pinged.lifetimeMs),
    unit: 'ms',
    op: '>=',
    limit: judged.windowMs,
    code: 'WSH_ERR_CONNECTION_LOST',
    detail:
      (pinged.close === undefined ? pings : `${pings}; ${closeText(pinged.close)}`) +
      cappedText(judged)
  })
}

/**
 * Why a window cannot be judged, else undefined: the suite was cut, or the
 * connection dropped without a close frame while the path injected drops or
 * an outage (ServicePath ledger: never blamed on the service).
 */
function notJudgedReason(judged: Judged, life: Lifetime): string | undefined {
  const lived = Math.round(life.lifetimeMs)
  if (life.aborted) {
    return `not judged: the suite was cut after ${lived} of ${judged.windowMs} ms idle, with the connection still open`
  }
  const byRelay = life.close?.code === 1006 ? judged.excused() : undefined
  if (byRelay !== undefined) {
    return `not judged: dropped without a close frame after ${lived} ms while ${byRelay}`
  }
  return undefined
}

/** What the pinging connection says about the cure. */
function pingVerdict(judged: Judged, pinged: Lifetime): string {
  const every = `pings every ${judged.intervalMs} ms`
  if (judged.intervalMs >= judged.windowMs)
    return `no ping falls in the window to tell whether ${every} would help`
  if (pinged.aborted) return `whether ${every} keep them open was not measured`
  if (pinged.close === undefined && pinged.lifetimeMs >= judged.windowMs)
    return `${every} keep them open`
  return `${every} do not keep them open either (cut after ~${Math.round(pinged.lifetimeMs)} ms)`
}

/** Who closed and how, in words. */
function closeText(close: CloseInfo | undefined): string {
  if (close === undefined) return 'closing, no close code yet'
  const reason = close.reason ? ` "${close.reason}"` : ''
  if (close.initiatedBy === 'server') {
    return `the service side (the service or a proxy in front of it) closed it with ${close.code}${reason}`
  }
  if (close.initiatedBy === 'client') return `the client closed it with ${close.code}${reason}`
  const side = close.serverClosedTcp ? ', ended by the service side' : ''
  return `the TCP connection dropped without a close frame (${close.code}${side})`
}

function closeMetrics(close: CloseInfo | undefined): { [key: string]: MetricValue } {
  return close === undefined ? {} : { closeCode: close.code, closedBy: close.initiatedBy }
}

function cappedText(judged: Judged): string {
  if (judged.windowMs >= judged.askedMs) return ''
  return `; idle_ms ${judged.askedMs} capped to ${judged.windowMs} ms: the time left before the suite's timeout or the run's deadline (raise duration or test_suites.heartbeat-monitoring.timeout)`
}
