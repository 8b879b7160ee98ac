/**
 * self-healing: breaks connections on purpose through a relay in front of
 * the target and measures how clients heal. Kills connections mid-stream
 * (reconnect time, acked messages resent, session state resumed), holds an
 * outage longer than the retry budget (the client gives up after
 * max_reconnect_attempts; a breaker-guarded client opens its circuit and
 * closes it through half-open when the service returns), and with
 * server_command crashes and restarts the service itself.
 */
import type { ReconnectingClient, RecoveryRecord } from '../client/reconnecting-client.js'
import { failedToMeasure } from '../engine/checks.js'
import { serviceRecoveryMs } from '../client/recovery-record.js'
import type { Check, MetricValue } from '../engine/model.js'
import { startWithin, until } from '../engine/recovery-steps.js'
import { startSuiteRelay, type SuiteRelay } from '../engine/suite-relay.js'
import { HealthError, describeError } from '../errors.js'
import { summarize } from '../metrics/recorder.js'
import {
  CHECK,
  backoffCheck,
  clientResilience,
  delaySamples,
  lossCheck,
  reconnectCheck,
  restartCheck,
  resumeCheck
} from './self-healing-checks.js'
import {
  ackMode,
  ackWaitRoundMs,
  healingAttempts,
  killPlan,
  resumeOptions,
  suiteClient
} from './self-healing-clients.js'
import { killPhase, lossObservation } from './self-healing-kills.js'
import { runOutage } from './self-healing-outage.js'
import { restartPhase } from './self-healing-restart.js'
import { probeAck, readState, setState } from './self-healing-state.js'
import type { Suite, SuiteContext } from '../engine/suite-types.js'
import { SUITE_CATALOG } from './catalog.js'

/**
 * Longest wait for a reply to a probe or state message (ms); bounded by
 * message_timeout too. On a lossy path (ServicePath.lossy) one ack-wait
 * round is added: the message or its reply may be lost by the relay and
 * resent by the client after its ack deadline, behind an injected drop's
 * refusal window.
 */
export const REPLY_WAIT_MS = 5_000

type Outcome = { checks: Check[]; metrics: { [key: string]: MetricValue } }

async function run(ctx: SuiteContext): Promise<Outcome> {
  const relays: SuiteRelay[] = []
  try {
    const start = (): Promise<SuiteRelay> => startSuiteRelay(ctx.config, ctx.target, ctx.clock)
    relays.push(await start())
    // On a lossy path every step waits out injected faults, so the outage runs at the same time as
    // the kills, behind a relay of its own (an outage is relay-wide and would hit the kills' client).
    if (ctx.path.lossy) relays.push(await start())
  } catch (error) {
    await Promise.all(relays.map((relay) => relay.close()))
    return {
      checks: Object.values(CHECK).map(({ id, title }) => failedToMeasure(id, title, error)),
      metrics: { relayError: describeError(error) }
    }
  }
  const clients: ReconnectingClient[] = []
  try {
    return await phases(ctx, relays[0], relays[1], clients)
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)))
    await Promise.all(relays.map((relay) => relay.close()))
  }
}

async function phases(
  ctx: SuiteContext,
  relay: SuiteRelay,
  outageRelay: SuiteRelay | undefined,
  clients: ReconnectingClient[]
): Promise<Outcome> {
  const { config, clock, signal } = ctx
  const margin = config.thresholds.degradedMargin
  const replyWaitMs = Math.min(
    REPLY_WAIT_MS + (ctx.path.lossy ? ackWaitRoundMs(ctx.path) : 0),
    config.thresholds.messageTimeoutMs
  )
  const ack = ackMode(config)
  const resume = resumeOptions(config)
  const maxAttempts = config.maxReconnectAttempts
  const track = (client: ReconnectingClient): ReconnectingClient => {
    clients.push(client)
    return client
  }

  const main = track(
    suiteClient(ctx, relay.url, {
      name: 'k',
      maxAttempts: healingAttempts(config, ctx.path),
      breaker: false,
      resume,
      idField: ack.idField,
      stream: 0
    })
  )
  const startError = await startWithin(main, config.thresholds.connectTimeMs, clock, signal)
  if (startError !== undefined) {
    return {
      checks: Object.values(CHECK).map(({ id, title }) => failedToMeasure(id, title, startError)),
      metrics: { connectError: describeError(startError) }
    }
  }

  // Progress in steps: connected, state set, each kill, soak and acks, state read, outage, restart.
  const totalSteps = killPlan(config, ctx.path).kills + 5 + (ctx.service ? 1 : 0)
  let stepsDone = 0
  const advance = (note: string): void => ctx.progress(++stepsDone, totalSteps, note)
  advance('connected')

  const concurrentOutage = outageRelay
    ? runOutage(ctx, outageRelay, track, ack.idField, maxAttempts)
    : undefined
  // Awaited below; a throw before then must not surface as an unhandled rejection.
  concurrentOutage?.catch(() => undefined)

  // One acked probe first: it tells whether the service acks by id, and a resume greeting,
  // sent before any reply on the same connection, has arrived once it returns.
  const ackReason = ack.reason ?? (await probeAck(main, ack, replyWaitMs, ctx))
  if (resume && main.resumeToken === undefined) {
    await until(() => main.resumeToken, ack.reason || ackReason ? 500 : 0, clock, signal)
  }
  const state = await setState(main, resume !== undefined, ack.idField, replyWaitMs, ctx)
  advance('acks and session state checked')

  const kill = await killPhase(main, relay, ack, ackReason, ctx, () =>
    advance('connection killed and healed')
  )
  const loss = await lossObservation(main, ackReason, kill, replyWaitMs, ctx)
  advance('soak done, acks counted')
  const resumed = await readState(main, state, ack.idField, replyWaitMs, ctx)
  advance('session state read back')
  const unforcedDrops =
    main.stats.recoveries.filter((r) => r.cause === 'drop').length - kill.recoveries.length
  // Done with it: the outage below would otherwise drop it too and count as its failure.
  await main.close()

  const outage = concurrentOutage
    ? await concurrentOutage
    : kill.failure
      ? undefined
      : await runOutage(ctx, relay, track, ack.idField, maxAttempts)
  advance('outage held and healed')
  const restart = kill.failure
    ? undefined
    : await restartPhase(ctx, relay, track, ack, resume !== undefined, replyWaitMs)
  if (ctx.service && restart) advance('service restarted')

  const killRecords = [...kill.recoveries, ...kill.natural]
  const restartRecords = restart?.records ?? []
  const healed = [...killRecords, ...restartRecords]
  const serviceMs = (record: RecoveryRecord): number =>
    serviceRecoveryMs(
      record,
      ctx.path.refusalsBetween(record.startedAtMs, record.endedAtMs ?? record.startedAtMs)
    ) ?? 0
  for (const record of healed) ctx.recordReconnect?.(serviceMs(record))
  const allRecords = clients.flatMap((c) => c.stats.recoveries.filter((r) => r.cause === 'drop'))
  const succeeded = allRecords.filter((r) => r.succeeded)
  const notMeasured = (id: string, title: string): Check =>
    failedToMeasure(
      id,
      title,
      new HealthError(
        'WSH_ERR_RECONNECT_EXHAUSTED',
        'not run: the service did not heal from the first kill'
      )
    )

  const checks: Check[] = [
    reconnectCheck(kill, config.thresholds, margin, serviceMs),
    // Backoff, giving up and the breaker are ws-health's own client against its own relay.
    clientResilience(
      backoffCheck(delaySamples(clients.flatMap((c) => c.stats.recoveries)), main.backoff)
    ),
    clientResilience(outage ? outage.givesUp : notMeasured(CHECK.givesUp.id, CHECK.givesUp.title)),
    clientResilience(outage ? outage.breaker : notMeasured(CHECK.breaker.id, CHECK.breaker.title)),
    resumeCheck(resumed),
    lossCheck(loss),
    restartCheck(
      restart?.observation ?? {
        kind: 'skipped',
        reason: 'not run: the service did not heal from the first kill'
      },
      config.thresholds,
      margin
    )
  ]
  return {
    checks,
    metrics: {
      reconnections: succeeded.length,
      forcedReconnections: kill.recoveries.length + restartRecords.length,
      unforcedDrops,
      ...recoveryFigures(killRecords, restartRecords, serviceMs),
      attemptsPerRecovery:
        succeeded.length > 0
          ? succeeded.reduce((sum, r) => sum + r.attempts, 0) / succeeded.length
          : null,
      breakerTransitions: (outage?.transitions ?? []).map((t) => ({
        from: t.from,
        to: t.to,
        atMs: t.atMs
      })),
      messagesLost: loss.kind === 'measured' ? loss.sent - loss.acked : null,
      messagesSent: loss.kind === 'measured' ? loss.sent : null,
      resends: main.stats.resends,
      ackTimeouts: loss.kind === 'measured' ? loss.ackTimeouts : null,
      outageMs: outage?.outageMs ?? null,
      retryBudgetMs: outage?.retryBudgetMs ?? null,
      resume:
        resumed.kind === 'measured'
          ? { via: resume?.via ?? null, survived: resumed.survived }
          : null,
      restart: restart?.metrics ?? null,
      relay: { accepted: relay.connections.accepted, refused: relay.connections.refused },
      plan: killPlan(config, ctx.path)
    }
  }
}

/**
 * Recovery time is the service's (drop to accepted again, `serviceMs`); the
 * client's own backoff sleep and the time the path refused connects on its
 * own account (chaos mode) are reported beside it, per recovery too.
 */
function recoveryFigures(
  killRecords: readonly RecoveryRecord[],
  restartRecords: readonly RecoveryRecord[],
  serviceMs: (record: RecoveryRecord) => number
): { [key: string]: MetricValue } {
  const healed = [...killRecords, ...restartRecords]
  const recovery = summarize(healed.map(serviceMs))
  const backoffSleep = summarize(healed.map((r) => r.backoffSleepMs))
  return {
    recoveryTimeMs: { avg: recovery.avg, max: recovery.max },
    backoffSleepMs: { avg: backoffSleep.avg, max: backoffSleep.max },
    recoverySteps: healed.map((r) => {
      const charged = serviceMs(r)
      return {
        cause: restartRecords.includes(r) ? 'restart' : r.cause,
        recoveryMs: charged,
        backoffSleepMs: r.backoffSleepMs,
        pathRefusedMs: Math.max(0, (r.recoveryMs ?? 0) - charged),
        timeToReconnectMs: r.timeToReconnectMs
      }
    })
  }
}

export const selfHealingSuite: Suite = { ...SUITE_CATALOG['self-healing'], run }
