/**
 * The self-healing suite's outage phase: two clients ride out an outage at
 * the relay that lasts longer than the retry budget. One, without a
 * breaker, must give up after max_reconnect_attempts with the seed's
 * message; the other, behind a circuit breaker, must see it open and then
 * close through half-open once the service is back.
 */
import type { BreakerTransition } from '../client/breaker.js'
import type { ReconnectingClient } from '../client/reconnecting-client.js'
import { failedToMeasure } from '../engine/checks.js'
import type { Check } from '../engine/model.js'
import { startWithin, until, waitForReconnect } from '../engine/recovery-steps.js'
import type { SuiteRelay } from '../engine/suite-relay.js'
import { CHECK, breakerCheck, givesUpCheck } from './self-healing-checks.js'
import { retryBudgetMs, suiteClient } from './self-healing-clients.js'
import type { SuiteContext } from '../engine/suite-types.js'

/** Attempts of the breaker client: enough to outlast the outage; time bounds it anyway. */
export const BREAKER_CLIENT_ATTEMPTS = 50
/** Added to waits that cover a handshake per attempt (ms). */
const HANDSHAKE_SLACK_MS = 1_000

export interface OutageResult {
  givesUp: Check
  breaker: Check
  transitions: readonly BreakerTransition[]
  outageMs: number | null
  retryBudgetMs: number
}

export async function runOutage(
  ctx: SuiteContext,
  relay: SuiteRelay,
  track: (client: ReconnectingClient) => ReconnectingClient,
  idField: string,
  maxAttempts: number
): Promise<OutageResult> {
  const { config, clock, signal } = ctx
  const budget = retryBudgetMs(config, maxAttempts)
  const quitter = track(
    suiteClient(ctx, relay.url, {
      name: 'a',
      maxAttempts,
      breaker: false,
      resume: undefined,
      idField,
      stream: 1
    })
  )
  const guarded = track(
    suiteClient(ctx, relay.url, {
      name: 'b',
      maxAttempts: BREAKER_CLIENT_ATTEMPTS,
      breaker: true,
      resume: undefined,
      idField,
      stream: 2
    })
  )
  const startErrors = await Promise.all(
    [quitter, guarded].map((c) => startWithin(c, config.thresholds.connectTimeMs, clock, signal))
  )
  const startError = startErrors.find((e) => e !== undefined)
  if (startError !== undefined) {
    return {
      givesUp: failedToMeasure(CHECK.givesUp.id, CHECK.givesUp.title, startError),
      breaker: failedToMeasure(CHECK.breaker.id, CHECK.breaker.title, startError),
      transitions: [],
      outageMs: null,
      retryBudgetMs: budget
    }
  }

  const startedAtMs = clock.nowMs()
  const reconnectionsBefore = guarded.stats.reconnections
  relay.setOutage(true)
  // The outage lasts until the quitter gave up, so it is longer than the whole retry budget.
  await until(
    () => (quitter.state === 'failed' || quitter.state === 'closed' ? true : undefined),
    budget + maxAttempts * HANDSHAKE_SLACK_MS + HANDSHAKE_SLACK_MS,
    clock,
    signal
  )
  // A breaker that has not opened yet gets one more reset period of outage.
  await until(
    () => (guarded.breaker?.state === 'open' ? true : undefined),
    config.selfHealing.breakerResetMs + HANDSHAKE_SLACK_MS,
    clock,
    signal
  )
  relay.setOutage(false)
  const outageMs = clock.nowMs() - startedAtMs

  const record = quitter.stats.recoveries[quitter.stats.recoveries.length - 1]
  const givesUp = givesUpCheck({
    max: maxAttempts,
    attempts: record?.attempts ?? 0,
    code: quitter.failure?.code ?? null,
    message: quitter.failure?.message ?? null,
    outageMs,
    retriedMs: record ? record.delaysMs.reduce((sum, d) => sum + d, 0) : 0
  })

  const backWithinMs =
    config.selfHealing.maxDelayMs +
    config.selfHealing.breakerResetMs +
    config.thresholds.reconnectTimeMs
  const back = await waitForReconnect(guarded, reconnectionsBefore, backWithinMs, clock, signal)
  // Times relative to the start of the outage, so a report reads "opened 300 ms in".
  const transitions = (guarded.breaker?.transitions ?? []).map((t) => ({
    ...t,
    atMs: t.atMs - startedAtMs
  }))
  const recovered = back.ok && back.value === 'recovered'
  return {
    givesUp,
    // Judged on what happened from the outage on; earlier flaps (e.g. drops the path injected) stay in the metrics.
    breaker: breakerCheck(
      transitions.filter((t) => t.atMs >= 0),
      recovered
    ),
    transitions,
    outageMs,
    retryBudgetMs: budget
  }
}
