/**
 * The self-healing suite's restart phase (server_command only): clients ride
 * through a real crash (SIGKILL) and restart of the service; measured until
 * the service accepts again and every client is back, with its state.
 */
import type { ReconnectingClient, RecoveryRecord } from '../client/reconnecting-client.js'
import type { MetricValue } from '../engine/model.js'
import { startWithin, waitForReconnect } from '../engine/recovery-steps.js'
import type { SuiteRelay } from '../engine/suite-relay.js'
import type { RestartObservation } from './self-healing-checks.js'
import {
  healingAttempts,
  resumeOptions,
  retryBudgetMs,
  suiteClient,
  type AckMode
} from './self-healing-clients.js'
import { readState, setState } from './self-healing-state.js'
import type { SuiteContext } from '../engine/suite-types.js'

/** Clients that ride through a service restart. */
export const RESTART_CLIENTS = 3

export interface RestartResult {
  observation: RestartObservation
  records: RecoveryRecord[]
  metrics: { [key: string]: MetricValue } | null
}

export async function restartPhase(
  ctx: SuiteContext,
  relay: SuiteRelay,
  track: (client: ReconnectingClient) => ReconnectingClient,
  ack: AckMode,
  resumeOn: boolean,
  waitMs: number
): Promise<RestartResult> {
  const { config, clock, signal } = ctx
  if (!ctx.service) {
    return {
      observation: {
        kind: 'skipped',
        reason: 'no server_command: the service itself was not restarted'
      },
      records: [],
      metrics: null
    }
  }
  // Enough attempts that the retry budget covers the service's own start-up (server_ready_timeout).
  const readyMs = config.serverReadyTimeout * 1000
  let attempts = healingAttempts(config, ctx.path)
  while (attempts < 100 && retryBudgetMs(config, attempts) < readyMs) attempts++
  const resume = resumeOn ? resumeOptions(config) : undefined
  const group: ReconnectingClient[] = []
  for (let i = 1; i <= RESTART_CLIENTS; i++) {
    const client = track(
      suiteClient(ctx, relay.url, {
        name: `r${i}`,
        maxAttempts: attempts,
        breaker: false,
        resume,
        idField: ack.idField,
        stream: 10 + i
      })
    )
    const error = await startWithin(client, config.thresholds.connectTimeMs, clock, signal)
    if (error !== undefined)
      return { observation: { kind: 'failed', error }, records: [], metrics: null }
    group.push(client)
  }
  const states = await Promise.all(
    group.map((c) => setState(c, resumeOn, ack.idField, waitMs, ctx))
  )
  const before = group.map((c) => c.stats.reconnections)
  let restarted: { crashedAtMs: number; readyAtMs: number }
  try {
    restarted = await ctx.service.restart()
  } catch (error) {
    return { observation: { kind: 'failed', error }, records: [], metrics: null }
  }
  const limit = readyMs + retryBudgetMs(config, attempts)
  const results = await Promise.all(
    group.map((c, i) => waitForReconnect(c, before[i] ?? 0, limit, clock, signal))
  )
  const back = results.filter((r) => r.ok && r.value === 'recovered').length
  const records = group.flatMap((c) =>
    c.stats.recoveries.filter(
      (r) => r.succeeded && r.endedAtMs !== null && r.endedAtMs >= restarted.crashedAtMs
    )
  )
  const allBackAtMs = records.length > 0 ? Math.max(...records.map((r) => r.endedAtMs ?? 0)) : null
  const kept = await Promise.all(
    group.map((c, i) =>
      readState(c, states[i] ?? { value: null, reason: '' }, ack.idField, waitMs, ctx)
    )
  )
  const measured = kept.filter((k) => k.kind === 'measured')
  const stateKept =
    measured.length > 0 ? measured.filter((k) => k.kind === 'measured' && k.survived).length : null
  const readyAfterMs = restarted.readyAtMs - restarted.crashedAtMs
  const allBackMs = allBackAtMs === null ? null : allBackAtMs - restarted.crashedAtMs
  return {
    observation: {
      kind: 'measured',
      readyMs: readyAfterMs,
      allBackMs,
      clients: group.length,
      back,
      stateKept
    },
    records,
    metrics: { readyMs: readyAfterMs, allBackMs, clients: group.length, back, stateKept }
  }
}
