/**
 * connection-lifecycle: the handshake completes, connects are fast, the
 * state machine runs CONNECTING -> OPEN -> CLOSING -> CLOSED, a 1000 close
 * is acknowledged, the service ends the TCP connection itself after the
 * close handshake (no sockets leak on its side), and reused connections keep
 * answering.
 *
 * Under chaos mode a connection the relay drops is reopened (reuse and pool
 * probes resend), a close an injected disconnect cut is retried on a fresh
 * connection (CHAOS_CLOSE_TRIES), and leaks are judged only on closes that
 * completed.
 */
import type { CloseInfo, Connection } from '../client/types.js'
import { chaosResendOptions } from '../engine/chaos-mode.js'
import { failedToMeasure, measure, skipped, verify } from '../engine/checks.js'
import { withTimeout } from '../engine/deadline.js'
import type { Check, MetricValue } from '../engine/model.js'
import { CLOSE_TIMEOUT_MS, closeQuietly, connectWithin, runProbes } from '../engine/probes.js'
import { HealthError, describeError } from '../errors.js'
import { summarize } from '../metrics/recorder.js'
import type { Suite, SuiteContext } from './types.js'

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
/**
 * Chaos mode: tries of the close handshake (and its state sequence). The
 * relay's random_disconnect can cut a close midway; that is the injected
 * fault, so the step is retried on a fresh connection and the service is
 * judged on the last try.
 */
export const CHAOS_CLOSE_TRIES = 3

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

async function run(
  ctx: SuiteContext
): Promise<{ checks: Check[]; metrics: { [key: string]: MetricValue } }> {
  const { thresholds } = ctx.config
  const margin = thresholds.degradedMargin
  const checks = new Map<CheckKey, Check>()
  const metrics: { [key: string]: MetricValue } = {}
  const owned: Connection[] = []
  // Connections we close from OPEN: for each, did the service end the TCP connection itself?
  const judged = new Set<Connection>()
  // Closes run in the background and are awaited once at the end, so a service
  // that keeps sockets open costs one SERVICE_TCP_CLOSE_MS, not one per connection.
  const closing: Promise<void>[] = []
  const closeInBackground = (connection: Connection): void => {
    if (judged.has(connection) || connection.readyState === 'CLOSED') return
    if (connection.readyState === 'OPEN') judged.add(connection)
    closing.push(closeQuietly(connection, 1000, SERVICE_TCP_CLOSE_MS))
  }
  const open = async (label: string): Promise<Connection> => {
    const connection = await connectWithin(ctx.connect, { label }, ctx.signal)
    owned.push(connection)
    return connection
  }
  const fail = (key: CheckKey, error: unknown): void => {
    if (!checks.has(key)) checks.set(key, failedToMeasure(CHECK_IDS[key], CHECKS[key], error))
  }
  // Under chaos a drop is the relay's injected fault: reopen and resend (probes.ts).
  const chaos = ctx.config.chaosMode
  const resend = chaosResendOptions(ctx.config)
  const recovery = { resent: 0, reconnects: 0, retries: 0 }
  let reopened = 0
  const reopen = async (old: Connection): Promise<Connection> => {
    old.terminate()
    return open(`lifecycle_reopened_${++reopened}`)
  }
  const result = (): { checks: Check[]; metrics: { [key: string]: MetricValue } } => ({
    checks: (Object.keys(CHECKS) as CheckKey[]).flatMap((key) => checks.get(key) ?? []),
    metrics
  })

  let first: Connection
  try {
    first = await open('lifecycle_1')
  } catch (error) {
    // Nothing else can be measured without a handshake; every check says why.
    for (const key of Object.keys(CHECKS) as CheckKey[]) fail(key, error)
    metrics.handshakeError = describeError(error)
    return result()
  }
  const { handshake } = first
  metrics.handshake = {
    status: handshake.status,
    subprotocol: handshake.protocol,
    extensions: handshake.extensions,
    connectTimeMs: handshake.connectTimeMs
  }
  checks.set(
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

  try {
    // Reuse: one connection answers many sequential probes; pool: a few
    // connections used round-robin all keep answering.
    // One unanswered probe already fails the check: stop there rather than wait out every timeout.
    const probeOptions = {
      timeoutMs: thresholds.messageTimeoutMs,
      signal: ctx.signal,
      clock: ctx.clock,
      stopOnFailure: true,
      ...resend
    }
    // Bounded by time as well as count (REUSE_PHASE_MS); runProbes always sends at least one.
    const phaseStartMs = ctx.clock.nowMs()
    const phaseEndMs = phaseStartMs + REUSE_PHASE_MS
    let reused = first
    const reuse = await runProbes(first, {
      ...probeOptions,
      ...(chaos
        ? {
            reconnect: async () => {
              reused = await reopen(reused)
              return reused
            }
          }
        : {}),
      count: REUSE_PROBES,
      stopAtMs: phaseStartMs + REUSE_PHASE_MS / 2
    })
    recovery.resent += reuse.resent
    recovery.reconnects += reuse.reconnects
    const pool = [reused]
    for (let i = 1; i < POOL_SIZE; i++) pool.push(await open(`lifecycle_pool_${i + 1}`))
    let poolSent = 0
    let poolIntact = 0
    let abandoned = reuse.abandoned
    let rounds = 0
    let firstError: unknown = reuse.firstError
    const stop = (): boolean =>
      ctx.signal.aborted ||
      firstError !== undefined ||
      (rounds > 0 && ctx.clock.nowMs() >= phaseEndMs)
    // Each round probes every pool connection at once: the pool is judged by
    // all its connections answering, and a round costs one round trip, not three.
    for (; rounds < POOL_ROUNDS && !stop(); rounds++) {
      const trips = await Promise.all(
        pool.map((connection, index) =>
          runProbes(connection, {
            ...probeOptions,
            count: 1,
            ...(chaos
              ? {
                  reconnect: async () => {
                    pool[index] = await reopen(pool[index])
                    return pool[index]
                  }
                }
              : {})
          })
        )
      )
      for (const trip of trips) {
        recovery.resent += trip.resent
        recovery.reconnects += trip.reconnects
        poolSent += trip.sent
        poolIntact += trip.intact
        abandoned += trip.abandoned
        firstError ??= trip.firstError
      }
      ctx.progress(rounds + 1, POOL_ROUNDS, 'reused connections')
    }
    // Probes cut by the deadline were never given their timeout: not judged.
    const sent = reuse.sent + poolSent - abandoned
    const answered = reuse.intact + poolIntact
    const capped =
      reuse.sent < REUSE_PROBES || rounds < POOL_ROUNDS
        ? `; stopped after ${Math.round(ctx.clock.nowMs() - phaseStartMs)} ms (${reuse.sent} of ${REUSE_PROBES} reuse probes, ${rounds} of ${POOL_ROUNDS} pool rounds)`
        : ''
    const cut = abandoned > 0 ? `; ${abandoned} cut by the deadline, not judged` : ''
    metrics.reuse = {
      probes: reuse.sent,
      intact: reuse.intact,
      poolSize: POOL_SIZE,
      poolRounds: rounds,
      poolProbes: poolSent,
      poolIntact,
      abandoned
    }
    checks.set(
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
            margin,
            code: 'WSH_ERR_MESSAGE_TIMEOUT',
            detail: `${answered} of ${sent} probes answered intact${capped}${cut}${firstError ? `; first error: ${describeError(firstError)}` : ''}`
          })
    )
    for (const connection of pool.slice(1)) closeInBackground(connection)
    if (pool[0] !== first) closeInBackground(pool[0])
  } catch (error) {
    fail('pool', error)
  }

  try {
    const times = [handshake.connectTimeMs]
    for (let i = 1; i < CONNECT_SAMPLES && !ctx.signal.aborted; i++) {
      const connection = await open(`lifecycle_connect_${i + 1}`)
      times.push(connection.handshake.connectTimeMs)
      closeInBackground(connection)
    }
    const summary = summarize(times)
    metrics.connectTimeMs = {
      avg: summary.avg,
      p95: summary.p95,
      max: summary.max,
      count: summary.count
    }
    checks.set(
      'connectTime',
      measure({
        id: CHECK_IDS.connectTime,
        title: CHECKS.connectTime,
        value: summary.max,
        unit: 'ms',
        op: '<',
        limit: thresholds.connectTimeMs,
        margin,
        code: 'WSH_ERR_HANDSHAKE_TIMEOUT',
        detail: `slowest of ${summary.count} connects`
      })
    )
  } catch (error) {
    fail('connectTime', error)
  }

  try {
    let closed = first
    let info: CloseInfo | undefined
    for (let tries = 1; ; tries++) {
      // Under chaos a connection the relay dropped is replaced: the close is judged on one that was open.
      if (chaos && closed.readyState !== 'OPEN') closed = await reopen(closed)
      if (closed.readyState === 'OPEN') judged.add(closed)
      info = await closed.close(1000, 'ws-health lifecycle check', SERVICE_TCP_CLOSE_MS)
      // An injected disconnect cut this close (no close frame came back): retry on a fresh connection.
      const interrupted = info.code === 1006 || !info.wasClean
      if (!chaos || !interrupted || tries >= CHAOS_CLOSE_TRIES || ctx.signal.aborted) break
      recovery.retries++
      judged.delete(closed)
      closed = await reopen(closed)
    }
    const states = closed.states.map((change) => change.state)
    const sequence = states.join('->')
    metrics.close = {
      code: info.code,
      reason: info.reason,
      wasClean: info.wasClean,
      initiatedBy: info.initiatedBy
    }
    checks.set(
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
    checks.set('close', gracefulCloseCheck(info))
  } catch (error) {
    fail('states', error)
    fail('close', error)
  }

  for (const connection of owned) closeInBackground(connection)
  await Promise.all(closing)
  try {
    const infos = await withTimeout(
      Promise.all([...judged].map((connection) => connection.closed)),
      CLOSE_TIMEOUT_MS,
      () =>
        new HealthError('WSH_ERR_CLOSE_TIMEOUT', 'connections did not reach CLOSED after terminate')
    )
    // Under chaos only a close that completed shows the service's side; a dropped one shows the relay's.
    const known = infos.filter(
      (info) => info.serverClosedTcp !== undefined && (!chaos || info.code !== 1006)
    )
    const kept = known.filter((info) => info.serverClosedTcp === false).length
    metrics.leaks = { judged: judged.size, observed: known.length, keptOpenByService: kept }
    checks.set(
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
    fail('leaks', error)
  }
  if (chaos) metrics.chaos = { ...recovery }
  return result()
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

export const connectionLifecycleSuite: Suite = {
  id: 'connection-lifecycle',
  title: 'Connection lifecycle',
  durationWeight: 0,
  run
}
