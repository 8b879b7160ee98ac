/**
 * How the self-healing suite builds its reconnecting clients from config:
 * the backoff and breaker policy, the resume carrier, and how a message is
 * acknowledged under the run's probe protocol.
 */
import type { BackoffOptions } from '../client/backoff.js'
import type { BreakerOptions } from '../client/breaker.js'
import { createReconnectingClient, type ReconnectingClient } from '../client/reconnecting-client.js'
import { messageCapBytes } from '../client/message-cap.js'
import type { ResumeOptions } from '../client/resume-options.js'
import { RESUME_NAME_DEFAULTS, type Config } from '../config/schema.js'
import { createRandom } from '../chaos/random.js'
import type { ServicePath } from '../engine/service-path.js'
import { runSeed } from '../engine/suite-relay.js'
import type { SuiteContext } from '../engine/suite-types.js'

/** Unacknowledged messages a suite client may hold (the suite sends far fewer). */
const SUITE_MAX_QUEUE = 20_000
/** Messages written and not yet acknowledged per connection. */
export const SUITE_MAX_IN_FLIGHT = 4
/**
 * The same on a lossy path (ServicePath.lossy): with random_disconnect drawn
 * per message (and per reply), a window of four rewritten after each
 * reconnect ends in a new drop more often than not (about 57 % at the seed's
 * p = 0.1), so the kill phase would churn for tens of seconds.
 */
export const LOSSY_MAX_IN_FLIGHT = 1
/**
 * Ack deadline of the suite's clients (ms): longer than the seed's slow response (2000 ms) plus
 * its largest network delay (500 ms), so only a message (or ack) really lost on a live
 * connection is written again.
 */
export const SUITE_ACK_TIMEOUT_MS = 3_000
/**
 * How long (ms) one round of the suite's wait for acks lasts: SUITE_ACK_TIMEOUT_MS, plus the
 * path's refusal window (0 on a direct path), since an ack may then wait out an injected drop
 * and the outer relay's refusal window. The clients' own ack deadline stays
 * SUITE_ACK_TIMEOUT_MS: a longer one would only delay the resend that heals an injected loss.
 */
export function ackWaitRoundMs(path: Pick<ServicePath, 'refusalWindowMs'>): number {
  return SUITE_ACK_TIMEOUT_MS + path.refusalWindowMs
}

/**
 * On a lossy path the suite kills at most this many connections and sends
 * at most this many acknowledged messages. The path's relay already drops
 * connections on its own (random_disconnect is drawn per message, and every
 * drop opens its refusal window), so each message and kill costs seconds:
 * the configured numbers would outlast the run's deadline, while these still
 * judge reconnects after the suite's kills and the relay's drops, and loss.
 */
export const LOSSY_MAX_KILLS = 1
export const LOSSY_MAX_MESSAGES = 10

/** Kills and acknowledged messages of the kill phase (self_healing.*, capped on a lossy path). */
export function killPlan(
  config: Config,
  path: Pick<ServicePath, 'lossy'>
): { kills: number; messages: number } {
  const { kills, messages } = config.selfHealing
  return path.lossy
    ? { kills: Math.min(kills, LOSSY_MAX_KILLS), messages: Math.min(messages, LOSSY_MAX_MESSAGES) }
    : { kills, messages }
}

/** Resends after missed ack deadlines before a message counts as lost. */
export const SUITE_MAX_ACK_RESENDS = 5

/** The suite's backoff policy (config self_healing.*), attempts from max_reconnect_attempts. */
export function suiteBackoff(config: Config, maxAttempts: number): BackoffOptions {
  const sh = config.selfHealing
  return {
    initialDelayMs: sh.initialDelayMs,
    factor: sh.backoffFactor,
    maxDelayMs: Math.max(sh.maxDelayMs, sh.initialDelayMs),
    jitter: sh.jitter,
    maxAttempts
  }
}

/** The suite's circuit breaker (config self_healing.breaker_*). */
export function suiteBreaker(config: Config): BreakerOptions {
  return {
    failureThreshold: config.selfHealing.breakerThreshold,
    resetTimeoutMs: config.selfHealing.breakerResetMs
  }
}

/** Resume carrier for the clients, or undefined when the check is off. */
export function resumeOptions(config: Config): ResumeOptions | undefined {
  const sh = config.selfHealing
  if (sh.resume === 'off') return undefined
  // The token arrives in the reference protocol's `{"type":"session","token":...}` greeting.
  const reply = { tokenField: sh.resumeTokenField, messageType: 'session' }
  if (sh.resume === 'message') return { ...reply, via: 'message' }
  // `auto` resumes by query parameter, the carrier the reference protocol reads first.
  const via = sh.resume === 'auto' ? 'query' : sh.resume
  return { ...reply, via, name: sh.resumeName ?? RESUME_NAME_DEFAULTS[via] }
}

/**
 * How a message is acknowledged: under `echo` the echo carries the id;
 * under `json` the template is sent with the id field set, and the service
 * must echo that id in its reply. `reason` says why acked delivery cannot be
 * checked.
 */
export interface AckMode {
  idField: string
  body: (n: number) => Record<string, unknown> | string
  reason?: string
}

export function ackMode(config: Config): AckMode {
  if (config.protocol === 'echo') return { idField: 'id', body: (n) => `self-healing ${n}` }
  const idField = config.json.idField
  if (idField.includes('.')) {
    return {
      idField,
      body: () => '',
      reason: `json_id_field ${idField} is a nested path; acked resend needs a top-level id field`
    }
  }
  let template: unknown
  try {
    template = JSON.parse(
      config.json.template.replaceAll('{{id}}', 'x').replaceAll('{{payload}}', 'x')
    )
  } catch {
    template = undefined
  }
  if (template === null || typeof template !== 'object' || Array.isArray(template)) {
    return {
      idField,
      body: () => '',
      reason: 'json_template is not a JSON object, so the client cannot add a message id'
    }
  }
  const base = { ...(template as Record<string, unknown>) }
  delete base[idField]
  return { idField, body: () => ({ ...base }) }
}

export interface ClientPlan {
  /** Message id prefix; distinct per client. */
  name: string
  maxAttempts: number
  breaker: boolean
  resume: ResumeOptions | undefined
  idField: string
  /** Jitter stream index, so each client's delays are reproducible from the seed. */
  stream: number
}

/** A reconnecting client to `url` (the suite's relay) following the suite's policy. */
export function suiteClient(ctx: SuiteContext, url: string, plan: ClientPlan): ReconnectingClient {
  const { config } = ctx
  const seed = (runSeed(config, 0x5eed) + plan.stream * 0x9e3779b1) >>> 0
  return createReconnectingClient({
    url,
    clock: ctx.clock,
    ...(ctx.openSocket ? { open: ctx.openSocket } : {}),
    headers: config.headers,
    subprotocols: config.subprotocols,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    maxPayload: messageCapBytes(config),
    compression: config.compression,
    backoff: suiteBackoff(config, plan.maxAttempts),
    breaker: plan.breaker ? suiteBreaker(config) : null,
    random: createRandom(seed).next,
    ...(plan.resume ? { resume: plan.resume } : {}),
    idPrefix: `sh${plan.name}`,
    idField: plan.idField,
    maxQueue: SUITE_MAX_QUEUE,
    // A small window on a lossy path: every relayed message risks a disconnect, and a large
    // window rewritten after each reconnect would never get all its acks back.
    maxInFlight: ctx.path.lossy ? LOSSY_MAX_IN_FLIGHT : SUITE_MAX_IN_FLIGHT,
    // Message loss on a live connection is healed by the client itself: it resends on the
    // same connection after the ack deadline (a reconnect resends too).
    ackTimeoutMs: SUITE_ACK_TIMEOUT_MS,
    maxAckResends: SUITE_MAX_ACK_RESENDS,
    // Any close the client did not start is a loss to heal from, a clean 1000 from a restarting service too.
    shouldReconnect: () => true
  })
}

/** Most attempts healingAttempts gives a client, however short its delays (bounds the loop). */
export const MAX_HEALING_ATTEMPTS = 1_000

/**
 * Reconnect attempts of a client that heals through the path (the kill
 * phase's and the restart's): max_reconnect_attempts, or more where the path
 * refuses connects after each drop it injects (chaos mode's 503 window,
 * ServicePath.healWindowMs), so that even the shortest delays the policy can
 * draw outlast that window. Those refusals are the run's own fault: a client
 * that gave up inside one would blame the service for them. The
 * concurrent-connections pool heals within the same window. The gives-up
 * check keeps max_reconnect_attempts: it judges the policy, not the service.
 */
export function healingAttempts(
  config: Config,
  path: Pick<ServicePath, 'healWindowMs'>,
  attempts: number = config.maxReconnectAttempts
): number {
  const windowMs = path.healWindowMs
  if (windowMs === undefined) return attempts
  const sh = config.selfHealing
  let shortestMs = 0
  let n = 0
  while (n < MAX_HEALING_ATTEMPTS && (n < attempts || shortestMs < windowMs)) {
    n += 1
    const base = Math.min(sh.initialDelayMs * sh.backoffFactor ** (n - 1), sh.maxDelayMs)
    shortestMs += base * (1 - sh.jitter)
  }
  return n
}

/** Upper bound of a whole recovery under the suite's policy (ms): every delay at its max, plus a handshake each. */
export function retryBudgetMs(config: Config, attempts: number): number {
  const sh = config.selfHealing
  let total = 0
  for (let i = 1; i <= attempts; i++) {
    const base = Math.min(sh.initialDelayMs * sh.backoffFactor ** (i - 1), sh.maxDelayMs)
    total += Math.min(base * (1 + sh.jitter), sh.maxDelayMs)
  }
  return total
}
