/**
 * Turns what the self-healing suite observed into its checks. Pure: no
 * sockets, no clock; every value shown was measured by the phases.
 */
import type { BackoffPolicy } from '../client/backoff.js'
import type { BreakerTransition } from '../client/breaker.js'
import type { RecoveryRecord } from '../client/reconnecting-client.js'
import { failedToMeasure, measure, skipped, verify } from '../engine/checks.js'
import type { Check } from '../engine/model.js'
import type { Thresholds } from '../config/schema.js'
import { HealthError } from '../errors.js'

export const CHECK = {
  reconnect: { id: 'reconnect-time', title: 'reconnects after a mid-stream kill' },
  backoff: {
    id: 'backoff-policy',
    title: 'reconnect delays follow exponential backoff with jitter'
  },
  givesUp: { id: 'gives-up', title: 'gives up after max_reconnect_attempts' },
  breaker: {
    id: 'circuit-breaker',
    title: 'circuit breaker opens in an outage and closes via half-open'
  },
  resume: { id: 'session-resume', title: 'session state survives reconnect' },
  lost: { id: 'messages-lost', title: 'no acknowledged message lost across drops' },
  restart: { id: 'restart-recovery', title: 'clients recover from a service restart' }
} as const

/** Rounds for messages only. */
const ms = (value: number): number => Math.round(value)

export interface KillObservation {
  /** Successful recoveries after the suite's kills, in order. */
  recoveries: RecoveryRecord[]
  /** Successful recoveries from drops the suite did not cause (the service, or the path's injected faults). */
  natural: RecoveryRecord[]
  kills: number
  /** Set when a drop was not healed. */
  failure?: { during: string; error: unknown }
}

export function reconnectCheck(
  kill: KillObservation,
  thresholds: Thresholds,
  margin: number,
  serviceMs: (record: RecoveryRecord) => number
): Check {
  const { id, title } = CHECK.reconnect
  const records = [...kill.recoveries, ...kill.natural]
  // The service's time to accept again: neither the client's own backoff sleep nor the path's
  // own refusals (chaos mode) are charged to it.
  const times = records.map(serviceMs)
  const sleeps = records.map((r) => r.backoffSleepMs)
  const refused = records.map((r, i) => Math.max(0, (r.recoveryMs ?? 0) - times[i]))
  if (kill.failure) {
    const check = failedToMeasure(id, title, kill.failure.error, {
      op: '<',
      value: thresholds.reconnectTimeMs
    })
    check.unit = 'ms'
    check.message = `${kill.failure.during} not healed: ${check.message}`
    return check
  }
  const avg = times.reduce((a, b) => a + b, 0) / Math.max(1, times.length)
  return measure({
    id,
    title,
    value: times.length > 0 ? Math.max(...times) : null,
    unit: 'ms',
    op: '<',
    limit: thresholds.reconnectTimeMs,
    margin,
    code: 'WSH_ERR_RECONNECT_EXHAUSTED',
    detail: `max of ${times.length} recoveries (${kill.recoveries.length} after kills, ${kill.natural.length} after drops the suite did not cause), avg ${ms(avg)} ms, from the drop until the service accepted again; the client's own backoff sleep (max ${ms(Math.max(0, ...sleeps))} ms) is not counted${refused.some((r) => r > 0) ? `, nor the time the chaos relay refused connects after its own drops (max ${ms(Math.max(...refused))} ms)` : ''}`
  })
}

/** One delay the policy chose, with the attempt it preceded. */
export interface DelaySample {
  attempt: number
  policyMs: number
  waitedMs: number
}

export function delaySamples(records: readonly RecoveryRecord[]): DelaySample[] {
  return records.flatMap((record) =>
    record.policyDelaysMs.map((policyMs, i) => ({
      attempt: i + 1,
      policyMs,
      waitedMs: record.delaysMs[i] ?? policyMs
    }))
  )
}

/**
 * Marks a check of ws-health's own client (backoff, giving up, breaker): it
 * says nothing about the service, so a miss degrades the run, never fails it.
 */
export function clientResilience(check: Check): Check {
  return {
    ...check,
    scope: 'client',
    status: check.status === 'failed' ? 'degraded' : check.status
  }
}

export function backoffCheck(samples: readonly DelaySample[], policy: BackoffPolicy): Check {
  const { id, title } = CHECK.backoff
  const longest = Math.max(0, ...samples.map((s) => s.attempt))
  if (samples.length < 2 || longest < 2) {
    return failedToMeasure(
      id,
      title,
      new HealthError(
        'WSH_ERR_RECONNECT_EXHAUSTED',
        `only ${samples.length} reconnect delays observed; a recovery with 2 or more attempts is needed to see the curve`
      )
    )
  }
  const EPSILON = 1e-6
  const outside = samples.filter((s) => {
    const { minMs, maxMs } = policy.bounds(s.attempt)
    return (
      s.policyMs < minMs - EPSILON ||
      s.policyMs > maxMs + EPSILON ||
      s.waitedMs < s.policyMs - EPSILON
    )
  })
  const o = policy.options
  const first = outside[0]
  return verify({
    id,
    title,
    ok: outside.length === 0,
    value: `${samples.length - outside.length}/${samples.length}`,
    expected: `${samples.length}/${samples.length}`,
    message:
      outside.length === 0
        ? `${samples.length} delays within ${o.initialDelayMs} ms * ${o.factor}^(n-1) +/- ${o.jitter * 100} % (cap ${o.maxDelayMs} ms), up to attempt ${longest}`
        : `${outside.length} of ${samples.length} delays outside the policy, first: attempt ${first?.attempt} waited ${ms(first?.waitedMs ?? 0)} ms`,
    code: 'WSH_ERR_RECONNECT_EXHAUSTED'
  })
}

export interface GiveUpObservation {
  max: number
  attempts: number
  code: string | null
  message: string | null
  outageMs: number
  /** What the giving-up client actually waited between its attempts, summed (ms). */
  retriedMs: number
}

export function givesUpCheck(o: GiveUpObservation): Check {
  const ok = o.code === 'WSH_ERR_RECONNECT_EXHAUSTED' && o.attempts === o.max
  return verify({
    ...CHECK.givesUp,
    ok,
    value: o.attempts,
    unit: 'count',
    expected: o.max,
    message: ok
      ? `${o.message ?? ''} after retrying for ${ms(o.retriedMs)} ms of a ${ms(o.outageMs)} ms outage`
      : `did not give up after ${o.max} attempts: ${o.attempts} attempts, ${o.message ?? 'still trying'}`,
    code: 'WSH_ERR_RECONNECT_EXHAUSTED'
  })
}

export function breakerCheck(transitions: readonly BreakerTransition[], recovered: boolean): Check {
  const path = ['closed', ...transitions.map((t) => t.to)]
  const opened = transitions.findIndex((t) => t.to === 'open')
  const halfOpen = transitions.findIndex((t, i) => i > opened && t.to === 'half-open')
  const last = transitions[transitions.length - 1]
  const closedViaHalfOpen = halfOpen >= 0 && last?.from === 'half-open' && last.to === 'closed'
  const ok = opened >= 0 && closedViaHalfOpen && recovered
  const why =
    opened < 0
      ? 'the breaker never opened during the outage'
      : !closedViaHalfOpen
        ? 'the breaker did not close through half-open after the service returned'
        : !recovered
          ? 'the client did not reconnect after the breaker closed'
          : `opened, let a trial through half-open, closed (${transitions.length} transitions)`
  return verify({
    ...CHECK.breaker,
    ok,
    value: path.join('>'),
    expected: 'closed>open>...>half-open>closed',
    message: why,
    code: 'WSH_ERR_CIRCUIT_OPEN'
  })
}

export type ResumeObservation =
  { kind: 'skipped'; reason: string } | { kind: 'measured'; survived: boolean; detail: string }

export function resumeCheck(o: ResumeObservation): Check {
  if (o.kind === 'skipped') return skipped(CHECK.resume.id, CHECK.resume.title, o.reason)
  return verify({
    ...CHECK.resume,
    ok: o.survived,
    value: o.survived,
    message: o.detail,
    code: 'WSH_ERR_PROTOCOL'
  })
}

export type LossObservation =
  | { kind: 'skipped'; reason: string }
  | {
      kind: 'measured'
      sent: number
      acked: number
      resends: number
      kills: number
      /** Ack deadlines missed on a live connection (each answered by a resend, or by giving up). */
      ackTimeouts: number
      /** Messages the client gave up after its last resend (counted in sent - acked). */
      abandoned: number
      error?: string
    }

export function lossCheck(o: LossObservation): Check {
  if (o.kind === 'skipped') return skipped(CHECK.lost.id, CHECK.lost.title, o.reason)
  return measure({
    ...CHECK.lost,
    value: o.sent - o.acked,
    unit: 'count',
    op: '==',
    limit: 0,
    code: 'WSH_ERR_CONNECTION_LOST',
    detail: `${o.acked} of ${o.sent} acknowledged across ${o.kills} kills, ${o.resends} resent (${o.ackTimeouts} after an ack timeout, ${o.abandoned} given up)${o.error ? `; ${o.error}` : ''}`
  })
}

export type RestartObservation =
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; error: unknown }
  | {
      kind: 'measured'
      readyMs: number
      allBackMs: number | null
      clients: number
      back: number
      stateKept: number | null
    }

export function restartCheck(o: RestartObservation, thresholds: Thresholds, margin: number): Check {
  const { id, title } = CHECK.restart
  if (o.kind === 'skipped') return skipped(id, title, o.reason)
  if (o.kind === 'failed') return failedToMeasure(id, title, o.error)
  const state = o.stateKept === null ? '' : `; state kept by ${o.stateKept} of ${o.clients}`
  return measure({
    id,
    title,
    value: o.back === o.clients ? o.allBackMs : null,
    unit: 'ms',
    op: '<',
    limit: thresholds.reconnectTimeMs,
    margin,
    code: 'WSH_ERR_RECONNECT_EXHAUSTED',
    detail: `service accepted again ${ms(o.readyMs)} ms after the crash; ${o.back} of ${o.clients} clients back${state}`
  })
}
