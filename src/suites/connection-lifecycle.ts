/**
 * connection-lifecycle: the handshake completes, connects are fast, the
 * state machine runs CONNECTING -> OPEN -> CLOSING -> CLOSED, a 1000 close
 * is acknowledged, the service ends the TCP connection itself after the
 * close handshake (no sockets leak on its side), and reused connections keep
 * answering.
 *
 * Through a relay that injects faults the path (ctx.path) reopens dropped
 * connections and resends lost probes, tries a close an injected drop cut
 * again on a fresh connection, and keeps the relay's drops out of the leak
 * check: the suite judges the same way on either path.
 */
import type { CloseInfo, Connection } from '../client/types.js'
import { failedToMeasure, measure, skipped, verify } from '../engine/checks.js'
import { withTimeout } from '../engine/deadline.js'
import type { Check, MetricValue } from '../engine/model.js'
import {
  CLOSE_TIMEOUT_MS,
  closeQuietly,
  connectWithin,
  type ProbeRunResult
} from '../engine/probes.js'
import type { Lane } from '../engine/service-path.js'
import { HealthError, describeError } from '../errors.js'
import { summarize } from '../metrics/recorder.js'
import type { Suite, SuiteContext } from '../engine/suite-types.js'
import { SUITE_CATALOG } from './catalog.js'

/** Connects timed for the connect-time check; five keeps the suite quick while max ~ p95. */
export const CONNECT_SAMPLES = 5
/** Sequential probes over one reused connection. */
export const REUSE_PROBES = 50
/** Connections in the round-robin pool, and rounds over it. */
export const POOL_SIZE = 3
export const POOL_ROUNDS = 10
/**
 * Wall time (ms) the reuse and pool probes may take together; the reuse
 * phase stops at half of it. This suite is fixed work with no sampling
 * budget: against a slow service (say 1 s per reply) 80 sequential probes
 * would take 80 s and eat the run's deadline, leaving later suites "not
 * started". A few answered probes already show that reuse works; the cap
 * leaves most of the suite's grace (SUITE_GRACE_MS) to connects and closes.
 */
export const REUSE_PHASE_MS = 4_000
/**
 * Time the service gets, after the close handshake, to end the TCP connection
 * itself (RFC 6455 §7.1.1: the server closes the TCP connection first). A
 * healthy service does it within one round trip; one that does not keeps a
 * socket per client until something else drops it: a leak on the service.
 */
export const SERVICE_TCP_CLOSE_MS = 2_000
const EXPECTED_STATES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const

const CHECKS = {
  handshake: 'handshake completes (101)',
  connectTime: 'connect time',
  states: 'state transitions CONNECTING->OPEN->CLOSING->CLOSED',
  close: 'graceful close acknowledged (1000, or no status code)',
  leaks: 'service closes the TCP connection after the close handshake (no leaked sockets)',
  pool: 'pooled and reused connections keep working'
} as const
type CheckKey = keyof typeof CHECKS
const CHECK_IDS: Record<CheckKey, string> = {
  handshake: 'handshake',
  connectTime: 'connect-time',
  states: 'state-transitions',
  close: 'graceful-close',
  leaks: 'no-leaks',
  pool: 'connection-reuse'
}

type Metrics = { [key: string]: MetricValue }

/** What the phases share: the checks so far, metrics, and every connection opened. */
interface Lifecycle {
  ctx: SuiteContext
  checks: Map<CheckKey, Check>
  metrics: Metrics
  owned: Connection[]
  /** Connections we close from OPEN: for each, did the service end the TCP connection itself? */
  judged: Set<Connection>
  /** Closes run in the background, awaited once at the end (see closeInBackground). */
  closing: Promise<void>[]
  /** What the path made the suite do: probes resent, connections reopened, steps retried. */
  recovery: { resent: number; reconnects: number; retries: number }
  open(label: string): Promise<Connection>
  /** A lane over `first` whose replacements are new connections labelled lifecycle_reopened_N. */
  lane(first: Connection): Lane
  fail(key: CheckKey, error: unknown): void
  closeInBackground(connection: Connection): void
}

function lifecycle(ctx: SuiteContext): Lifecycle {
  const state: Lifecycle = {
    ctx,
    checks: new Map(),
    metrics: {},
    owned: [],
    judged: new Set(),
    closing: [],
    recovery: { resent: 0, reconnects: 0, retries: 0 },
    async open(label) {
      const connection = await connectWithin(ctx.connect, { label }, ctx.signal)
      state.owned.push(connection)
      return connection
    },
    lane: (first) => ctx.path.lane(first, () => state.open(`lifecycle_reopened_${++reopened}`)),
    fail(key, error) {
      if (!state.checks.has(key))
        state.checks.set(key, failedToMeasure(CHECK_IDS[key], CHECKS[key], error))
    },
    // A service that keeps sockets open costs one SERVICE_TCP_CLOSE_MS, not one per connection.
    closeInBackground(connection) {
      if (state.judged.has(connection) || connection.readyState === 'CLOSED') return
      if (connection.readyState === 'OPEN') state.judged.add(connection)
      state.closing.push(closeQuietly(connection, 1000, SERVICE_TCP_CLOSE_MS))
    }
  }
  let reopened = 0
  return state
}

async function run(ctx: SuiteContext): Promise<{ checks: Check[]; metrics: Metrics }> {
  const state = lifecycle(ctx)
  const result = (): { checks: Check[]; metrics: Metrics } => ({
    checks: (Object.keys(CHECKS) as CheckKey[]).flatMap((key) => state.checks.get(key) ?? []),
    metrics: state.metrics
  })
  let first: Connection
  try {
    first = await state.open('lifecycle_1')
  } catch (error) {
    // Nothing else can be measured without a handshake; every check says why.
    for (const key of Object.keys(CHECKS) as CheckKey[]) state.fail(key, error)
    state.metrics.handshakeError = describeError(error)
    return result()
  }
  handshakePhase(state, first)
  await reusePhase(state, first)
  await connectTimePhase(state, first)
  await closePhase(state, first)
  for (const connection of state.owned) state.closeInBackground(connection)
  await Promise.all(state.closing)
  await leaksPhase(state)
  Object.assign(state.metrics, ctx.path.recoveryMetrics({ ...state.recovery }))
  return result()
}

function handshakePhase(state: Lifecycle, first: Connection): void {
  const { handshake } = first
  state.metrics.handshake = {
    status: handshake.status,
    subprotocol: handshake.protocol,
    extensions: handshake.extensions,
    connectTimeMs: handshake.connectTimeMs
  }
  state.checks.set(
    'handshake',
    verify({
      id: CHECK_IDS.handshake,
      title: CHECKS.handshake,
      ok: handshake.status === 101,
      value: handshake.status,
      expected: 101,
      message: `HTTP ${handshake.status}; subprotocol "${handshake.protocol}", extensions "${handshake.extensions}"`,
      code: 'WSH_ERR_HANDSHAKE_REJECTED'
    })
  )
}

/**
 * Reuse: one connection answers many sequential probes; pool: a few
 * connections used round-robin all keep answering. One unanswered probe
 * already fails the check: stop there rather than wait out every timeout.
 */
async function reusePhase(state: Lifecycle, first: Connection): Promise<void> {
  const { ctx, recovery } = state
  try {
    // Bounded by time as well as count (REUSE_PHASE_MS); a probe run always sends at least one.
    const phaseStartMs = ctx.clock.nowMs()
    const phaseEndMs = phaseStartMs + REUSE_PHASE_MS
    const reused = state.lane(first)
    const reuse = await ctx.path.probe(reused, {
      stopOnFailure: true,
      count: REUSE_PROBES,
      stopAtMs: phaseStartMs + REUSE_PHASE_MS / 2
    })
    recovery.resent += reuse.resent
    recovery.reconnects += reuse.reconnects
    const pool = [reused]
    for (let i = 1; i < POOL_SIZE; i++) {
      pool.push(state.lane(await state.open(`lifecycle_pool_${i + 1}`)))
    }
    const tally = { sent: 0, intact: 0, abandoned: reuse.abandoned, rounds: 0 }
    let firstError: unknown = reuse.firstError
    const stop = (): boolean =>
      ctx.signal.aborted ||
      firstError !== undefined ||
      (tally.rounds > 0 && ctx.clock.nowMs() >= phaseEndMs)
    // Each round probes every pool connection at once: the pool is judged by
    // all its connections answering, and a round costs one round trip, not three.
    for (; tally.rounds < POOL_ROUNDS && !stop(); tally.rounds++) {
      const trips = await Promise.all(
        pool.map((lane) => ctx.path.probe(lane, { stopOnFailure: true, count: 1 }))
      )
      for (const trip of trips) {
        recovery.resent += trip.resent
        recovery.reconnects += trip.reconnects
        tally.sent += trip.sent
        tally.intact += trip.intact
        tally.abandoned += trip.abandoned
        firstError ??= trip.firstError
      }
      ctx.progress(tally.rounds + 1, POOL_ROUNDS, 'reused connections')
    }
    judgeReuse(state, reuse, { ...tally, firstError, elapsedMs: ctx.clock.nowMs() - phaseStartMs })
    for (const lane of pool.slice(1)) state.closeInBackground(lane.current())
    if (pool[0].current() !== first) state.closeInBackground(pool[0].current())
  } catch (error) {
    state.fail('pool', error)
  }
}

function judgeReuse(
  state: Lifecycle,
  reuse: ProbeRunResult,
  pool: {
    sent: number
    intact: number
    abandoned: number
    rounds: number
    firstError: unknown
    elapsedMs: number
  }
): void {
  const { ctx } = state
  const { abandoned, rounds, firstError } = pool
  // Probes cut by the deadline were never given their timeout: not judged.
  const sent = reuse.sent + pool.sent - abandoned
  const answered = reuse.intact + pool.intact
  const capped =
    reuse.sent < REUSE_PROBES || rounds < POOL_ROUNDS
      ? `; stopped after ${Math.round(pool.elapsedMs)} ms (${reuse.sent} of ${REUSE_PROBES} reuse probes, ${rounds} of ${POOL_ROUNDS} pool rounds)`
      : ''
  const cut = abandoned > 0 ? `; ${abandoned} cut by the deadline, not judged` : ''
  state.metrics.reuse = {
    probes: reuse.sent,
    intact: reuse.intact,
    poolSize: POOL_SIZE,
    poolRounds: rounds,
    poolProbes: pool.sent,
    poolIntact: pool.intact,
    abandoned
  }
  state.checks.set(
    'pool',
    sent === 0 && ctx.signal.aborted
      ? failedToMeasure(
          CHECK_IDS.pool,
          CHECKS.pool,
          new HealthError(
            'WSH_ERR_DEADLINE',
            `cut by the deadline before ${abandoned} probes were answered`
          )
        )
      : measure({
          id: CHECK_IDS.pool,
          title: CHECKS.pool,
          value: sent === 0 ? null : answered / sent,
          unit: 'ratio',
          op: '>=',
          limit: 1,
          margin: ctx.config.thresholds.degradedMargin,
          code: 'WSH_ERR_MESSAGE_TIMEOUT',
          detail: `${answered} of ${sent} probes answered intact${capped}${cut}${firstError ? `; first error: ${describeError(firstError)}` : ''}`
        })
  )
}

async function connectTimePhase(state: Lifecycle, first: Connection): Promise<void> {
  const { ctx } = state
  try {
    const times = [first.handshake.connectTimeMs]
    for (let i = 1; i < CONNECT_SAMPLES && !ctx.signal.aborted; i++) {
      const connection = await state.open(`lifecycle_connect_${i + 1}`)
      times.push(connection.handshake.connectTimeMs)
      state.closeInBackground(connection)
    }
    const summary = summarize(times)
    state.metrics.connectTimeMs = {
      avg: summary.avg,
      p95: summary.p95,
      max: summary.max,
      count: summary.count
    }
    state.checks.set(
      'connectTime',
      measure({
        id: CHECK_IDS.connectTime,
        title: CHECKS.connectTime,
        value: summary.max,
        unit: 'ms',
        op: '<',
        limit: ctx.config.thresholds.connectTimeMs,
        margin: ctx.config.thresholds.degradedMargin,
        code: 'WSH_ERR_HANDSHAKE_TIMEOUT',
        detail: `slowest of ${summary.count} connects`
      })
    )
  } catch (error) {
    state.fail('connectTime', error)
  }
}

/** The close handshake and the state sequence; a close the path's injected drop cut is tried again. */
async function closePhase(state: Lifecycle, first: Connection): Promise<void> {
  const { ctx, judged } = state
  try {
    const {
      result: info,
      connection: closed,
      retries
    } = await ctx.path.retryCutStep(
      state.lane(first),
      async (connection) => {
        if (connection.readyState === 'OPEN') judged.add(connection)
        return connection.close(1000, 'ws-health lifecycle check', SERVICE_TCP_CLOSE_MS)
      },
      (closeInfo, connection) => {
        // No close frame came back: the close was cut; it is not judged for leaks either.
        const cut = closeInfo.code === 1006 || !closeInfo.wasClean
        if (cut) judged.delete(connection)
        return cut
      }
    )
    state.recovery.retries += retries
    const sequence = closed.states.map((change) => change.state).join('->')
    state.metrics.close = {
      code: info.code,
      reason: info.reason,
      wasClean: info.wasClean,
      initiatedBy: info.initiatedBy
    }
    state.checks.set(
      'states',
      verify({
        id: CHECK_IDS.states,
        title: CHECKS.states,
        ok: sequence === EXPECTED_STATES.join('->'),
        value: sequence,
        expected: EXPECTED_STATES.join('->'),
        message: `observed ${sequence}`,
        code: 'WSH_ERR_PROTOCOL'
      })
    )
    state.checks.set('close', gracefulCloseCheck(info))
  } catch (error) {
    state.fail('states', error)
    state.fail('close', error)
  }
}

async function leaksPhase(state: Lifecycle): Promise<void> {
  const { ctx, judged } = state
  try {
    const infos = await withTimeout(
      Promise.all([...judged].map((connection) => connection.closed)),
      CLOSE_TIMEOUT_MS,
      () =>
        new HealthError('WSH_ERR_CLOSE_TIMEOUT', 'connections did not reach CLOSED after terminate')
    )
    // Only a close that shows the service's side is judged (not a drop the path injected).
    const known = infos.filter(
      (info) => info.serverClosedTcp !== undefined && ctx.path.showsServiceClose(info)
    )
    const kept = known.filter((info) => info.serverClosedTcp === false).length
    state.metrics.leaks = { judged: judged.size, observed: known.length, keptOpenByService: kept }
    state.checks.set(
      'leaks',
      known.length === 0
        ? skipped(
            CHECK_IDS.leaks,
            CHECKS.leaks,
            judged.size === 0
              ? 'no connection was still open for the client to close'
              : 'the client cannot observe who closed the TCP connection'
          )
        : measure({
            id: CHECK_IDS.leaks,
            title: CHECKS.leaks,
            value: kept,
            unit: 'count',
            op: '==',
            limit: 0,
            // RFC 6455 7.1.1: the server SHOULD close TCP first; the close itself completed,
            // so this is a conformance finding, not a close that timed out.
            conformance: true,
            code: 'WSH_ERR_PROTOCOL',
            detail: `${kept} of ${known.length} connections were still open at the TCP level ${SERVICE_TCP_CLOSE_MS} ms after the close handshake, so the client dropped them (RFC 6455 7.1.1: the server SHOULD close the TCP connection first)`
          })
    )
  } catch (error) {
    state.fail('leaks', error)
  }
}

/** ws reports these for a close frame without a status code, and for no close frame at all. */
const NO_STATUS_CODE = 1005
const NO_CLOSE_FRAME = 1006

/**
 * Grades the close reply to our 1000: 1000 back, or a close frame with no
 * status code (1005: RFC 6455 7.1.5 makes that a clean close too), passes.
 * A close that completed in time is never a close timeout (that is judged
 * where close() rejects): a wrong code is a protocol error, a dropped TCP
 * connection a lost one.
 */
export function gracefulCloseCheck(info: CloseInfo): Check {
  const clean = info.wasClean && (info.code === 1000 || info.code === NO_STATUS_CODE)
  const how =
    info.code === NO_STATUS_CODE
      ? 'close reply without a status code (1005), a clean close (RFC 6455 7.1.5)'
      : `close code ${info.code}, ${info.wasClean ? 'clean' : 'not clean'}`
  return verify({
    id: CHECK_IDS.close,
    title: CHECKS.close,
    ok: clean,
    value: info.code,
    expected: 1000,
    expectation: '1000, or no status code (1005)',
    message: `${how} (initiated by ${info.initiatedBy})`,
    code: info.code === NO_CLOSE_FRAME ? 'WSH_ERR_CONNECTION_LOST' : 'WSH_ERR_PROTOCOL'
  })
}

export const connectionLifecycleSuite: Suite = { ...SUITE_CATALOG['connection-lifecycle'], run }
