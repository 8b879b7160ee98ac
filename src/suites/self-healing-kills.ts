/**
 * The self-healing suite's kill phase: connections killed mid-stream through
 * the relay, a soak that heals whatever drops the service (or the path) causes,
 * and the count of acknowledged messages lost across all of it.
 */
import type { ReconnectingClient, RecoveryRecord } from '../client/reconnecting-client.js'
import { waitForReconnect } from '../engine/recovery-steps.js'
import type { SuiteRelay } from '../engine/suite-relay.js'
import { HealthError, describeError } from '../errors.js'
import type { KillObservation, LossObservation } from './self-healing-checks.js'
import {
  healingAttempts,
  retryBudgetMs,
  SUITE_ACK_TIMEOUT_MS,
  ackWaitRoundMs,
  killPlan,
  type AckMode
} from './self-healing-clients.js'
import type { SuiteContext } from '../engine/suite-types.js'

/** One ack-wait round (ms): the clients' ack deadline, so each round can see a resend land. */
export const ACK_STALL_MS = SUITE_ACK_TIMEOUT_MS
/** Longest the loss check waits for the last acks (ms), so the suite stays inside its deadline. */
export const LOSS_WAIT_CAP_MS = 10_000
/** Ack-wait rounds, at most (each at most ACK_STALL_MS). */
const MAX_ACK_ROUNDS = 50
/** Soak loop step (ms): how often the suite sends and looks at its client between kills. */
export const SOAK_STEP_MS = 50

export async function killPhase(
  client: ReconnectingClient,
  relay: SuiteRelay,
  ack: AckMode,
  ackReason: string | undefined,
  ctx: SuiteContext,
  onKillHealed: () => void = () => undefined
): Promise<KillObservation> {
  const { config, clock, signal } = ctx
  const { kills, messages: total } = killPlan(config, ctx.path)
  const perKill = Math.ceil(total / (kills + 1))
  const waitMs =
    config.thresholds.reconnectTimeMs + retryBudgetMs(config, healingAttempts(config, ctx.path))
  const recoveries: RecoveryRecord[] = []
  const firstRecord = client.stats.recoveries.length
  let counter = 1
  const burst = (count: number): void => {
    if (ackReason !== undefined || client.state === 'failed' || client.state === 'closed') return
    for (let i = 0; i < count && counter <= total; i++) client.send(ack.body(counter++))
  }
  const natural = (): RecoveryRecord[] =>
    client.stats.recoveries.slice(firstRecord).filter((r) => r.succeeded && !recoveries.includes(r))
  for (let k = 1; k <= kills; k++) {
    burst(perKill)
    const before = client.stats.reconnections
    const seen = client.stats.recoveries.length
    relay.dropAll() // mid-stream: the burst above is still in flight
    const result = await waitForReconnect(client, before, waitMs, clock, signal)
    if (!result.ok || result.value !== 'recovered') {
      const error =
        client.failure ??
        new HealthError(
          'WSH_ERR_RECONNECT_EXHAUSTED',
          result.ok
            ? 'client gave up'
            : `no reconnect within ${Math.round(waitMs)} ms (${result.why})`
        )
      return {
        recoveries,
        natural: natural(),
        kills,
        failure: { during: `kill ${k} of ${kills}`, error }
      }
    }
    const record = client.stats.recoveries.slice(seen).find((r) => r.succeeded)
    if (record) recoveries.push(record)
    onKillHealed()
  }
  // Soak for the suite's share of the duration: drops the service (or the path) causes on its own
  // are healed and counted too, with the rest of the messages spread over the window.
  const soakStart = clock.nowMs()
  const soakSteps = Math.floor(ctx.budgetMs / SOAK_STEP_MS)
  for (let step = 0; step < soakSteps && !signal.aborted; step++) {
    if (client.state === 'failed' || client.state === 'closed') break
    if (client.state === 'open')
      burst(Math.ceil((total - counter + 1) / Math.max(1, soakSteps - step)))
    if (clock.nowMs() - soakStart >= ctx.budgetMs) break
    try {
      await clock.sleep(SOAK_STEP_MS, signal)
    } catch {
      break
    }
  }
  burst(total) // whatever is left when the window is short
  if (client.state === 'reconnecting')
    await waitForReconnect(client, client.stats.reconnections, waitMs, clock, signal)
  if (client.state === 'failed') {
    return {
      recoveries,
      natural: natural(),
      kills,
      failure: { during: 'a drop the service caused', error: client.failure }
    }
  }
  return { recoveries, natural: natural(), kills }
}

export async function lossObservation(
  client: ReconnectingClient,
  ackReason: string | undefined,
  kill: KillObservation,
  waitMs: number,
  ctx: SuiteContext
): Promise<LossObservation> {
  if (ackReason !== undefined) return { kind: 'skipped', reason: ackReason }
  let error: string | undefined
  const startMs = ctx.clock.nowMs()
  // On a lossy path an ack may wait out an injected drop and the relay's refusal window: the
  // rounds, the first wait and the cap stretch by that window (0 on a direct path).
  const ackStallMs = ackWaitRoundMs(ctx.path)
  const stretchMs = ackStallMs - ACK_STALL_MS
  // Then rounds that make progress may run to the stretched cap: every injected drop
  // costs the client a refusal window before its unacknowledged messages can be resent.
  const hardStopMs =
    startMs +
    (stretchMs > 0
      ? LOSS_WAIT_CAP_MS + 2 * stretchMs
      : Math.min(LOSS_WAIT_CAP_MS, Math.max(waitMs, ctx.config.thresholds.messageTimeoutMs)))
  let stopAtMs = Math.min(
    hardStopMs,
    startMs + Math.max(waitMs, ctx.config.thresholds.messageTimeoutMs / 3) + stretchMs
  )
  // A client still reconnecting resends its unacknowledged messages once it is back; a message
  // lost on a live connection (injected message loss) is resent by the client after its ack deadline.
  // Rounds that make progress extend the wait, up to message_timeout.
  for (let round = 0; round < MAX_ACK_ROUNDS; round++) {
    if (client.state !== 'open' && client.state !== 'reconnecting') {
      error = `client ${client.state} after the kills: ${describeError(client.failure)}`
      break
    }
    const remaining = stopAtMs - ctx.clock.nowMs()
    const acked = client.stats.messagesAcked
    try {
      await client.waitForAcks(Math.max(1, Math.min(ackStallMs, remaining)))
      error = undefined
      break
    } catch (e) {
      error = describeError(e)
    }
    if (ctx.signal.aborted) break
    if (client.stats.messagesAcked > acked) {
      stopAtMs = Math.min(hardStopMs, Math.max(stopAtMs, ctx.clock.nowMs() + 2 * ackStallMs))
    }
    if (ctx.clock.nowMs() >= stopAtMs) break
  }
  const { messagesSent, messagesAcked, resends, ackTimeouts, messagesAbandoned } = client.stats
  return {
    kind: 'measured',
    sent: messagesSent,
    acked: messagesAcked,
    resends,
    kills: kill.recoveries.length,
    ackTimeouts,
    abandoned: messagesAbandoned,
    ...(error ? { error } : {})
  }
}
