/**
 * The self-healing suite's session steps: whether the service acks by id,
 * and the key/value state written before drops and read back after them
 * (the reference resume protocol's set/get messages).
 */
import type { ReconnectingClient } from '../client/reconnecting-client.js'
import { request, until } from '../engine/recovery-steps.js'
import type { ResumeObservation } from './self-healing-checks.js'
import type { AckMode } from './self-healing-clients.js'
import type { SuiteContext } from '../engine/suite-types.js'

/** Key the state check writes before the drops and reads after. */
export const STATE_KEY = 'ws-health-self-healing'

export async function probeAck(
  client: ReconnectingClient,
  ack: AckMode,
  waitMs: number,
  ctx: SuiteContext
): Promise<string | undefined> {
  client.send(ack.body(0))
  try {
    await client.waitForAcks(waitMs)
    return undefined
  } catch {
    if (ctx.config.protocol === 'echo') return undefined // an echo service that does not echo fails the loss check
    return `the service did not echo the message id (${ack.idField}) within ${Math.round(waitMs)} ms, so acknowledged delivery cannot be checked`
  }
}

export interface StateSet {
  value: string | null
  reason: string
}

export async function setState(
  client: ReconnectingClient,
  enabled: boolean,
  idField: string,
  waitMs: number,
  ctx: SuiteContext
): Promise<StateSet> {
  if (!enabled) return { value: null, reason: 'resume check turned off (self_healing.resume: off)' }
  if (client.resumeToken === undefined)
    return { value: null, reason: 'service offers no resume token' }
  const value = `v${Math.round(ctx.clock.nowMs())}`
  const reply = await request(
    client,
    { type: 'set', key: STATE_KEY, value },
    idField,
    waitMs,
    ctx.clock,
    ctx.signal
  )
  if (reply?.type !== 'ok') {
    return {
      value: null,
      reason: 'service offers a resume token but did not answer the set state message'
    }
  }
  return { value, reason: '' }
}

export async function readState(
  client: ReconnectingClient,
  state: StateSet,
  idField: string,
  waitMs: number,
  ctx: SuiteContext
): Promise<ResumeObservation> {
  if (state.value === null) return { kind: 'skipped', reason: state.reason }
  const open = await until(
    () => (client.state === 'open' ? true : client.state === 'reconnecting' ? undefined : false),
    ctx.config.thresholds.reconnectTimeMs,
    ctx.clock,
    ctx.signal
  )
  if (!open.ok || !open.value) {
    return { kind: 'measured', survived: false, detail: 'client not connected after the kills' }
  }
  const reply = await request(
    client,
    { type: 'get', key: STATE_KEY },
    idField,
    waitMs,
    ctx.clock,
    ctx.signal
  )
  const survived = reply?.found === true && reply.value === state.value
  return {
    kind: 'measured',
    survived,
    detail: survived
      ? `value set before ${client.stats.reconnections} reconnects read back after them`
      : reply === undefined
        ? `no reply to the get state message within ${Math.round(waitMs)} ms`
        : 'state set before the drops was missing after the reconnect'
  }
}
