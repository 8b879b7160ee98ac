/**
 * Reply-integrity checks shared by the suites that run several probes at
 * once: replies delivered to the wrong connection (cross-talk, told by the
 * nonce every echo probe carries) and duplicated replies. The counts come
 * from the run's recorder (SuiteContext.replyIntegrity), taken over the suite.
 */
import { skipped, verify } from '../engine/checks.js'
import type { Check } from '../engine/model.js'
import { integrityOf, type ReplyIntegrity } from '../engine/reply-integrity.js'
import type { SuiteContext } from '../engine/suite-types.js'

export { integritySince, type ReplyIntegrity } from '../engine/reply-integrity.js'

export const NO_CROSS_TALK = {
  id: 'no-cross-talk',
  title: 'every reply reaches the connection that sent the probe'
}
export const NO_DUPLICATES = { id: 'no-duplicates', title: 'no probe is answered twice' }

const ZERO: ReplyIntegrity = { corrupted: 0, duplicates: 0, crossTalk: 0, unsolicited: 0 }

/** The counts now (zeros when the engine keeps none, e.g. a suite driven alone). */
export function integrityNow(ctx: SuiteContext): ReplyIntegrity {
  const now = ctx.replyIntegrity?.()
  return now === undefined ? ZERO : integrityOf(now)
}

/**
 * Cross-talk: critical, a routing bug loses every misrouted reply. It can
 * be seen only where several connections were open at once (`connections`)
 * and the probes carry a nonce (protocol echo); otherwise it is skipped with
 * the reason, never passed unmeasured.
 */
export function crossTalkCheck(
  ctx: SuiteContext,
  counts: ReplyIntegrity,
  connections: number
): Check {
  const { id, title } = NO_CROSS_TALK
  if (ctx.replyIntegrity === undefined) {
    return skipped(id, title, 'the run keeps no reply counts here, so cross-talk was not measured')
  }
  if (ctx.config.protocol !== 'echo') {
    return skipped(
      id,
      title,
      `protocol ${ctx.config.protocol}: the service answers with its own message, which carries no per-connection nonce, so a misrouted reply cannot be told`
    )
  }
  if (connections < 2) {
    return skipped(id, title, `only ${connections} connection was open at a time: nothing to cross`)
  }
  return verify({
    id,
    title,
    ok: counts.crossTalk === 0,
    value: counts.crossTalk,
    unit: 'count',
    expected: 0,
    message:
      counts.crossTalk === 0
        ? `no reply reached another of the ${connections} connections`
        : `${counts.crossTalk} replies arrived on a connection that did not send the probe (cross-talk: a routing bug, e.g. in a pub/sub fan-out)`,
    code: 'WSH_ERR_CROSS_TALK'
  })
}

/** Duplicated replies: non-critical (the run degrades), the service answered a probe twice. */
export function duplicatesCheck(ctx: SuiteContext, counts: ReplyIntegrity): Check {
  const { id, title } = NO_DUPLICATES
  if (ctx.replyIntegrity === undefined) {
    return skipped(id, title, 'the run keeps no reply counts here, so duplicates were not measured')
  }
  return verify({
    id,
    title,
    ok: counts.duplicates === 0,
    value: counts.duplicates,
    unit: 'count',
    expected: 0,
    minor: true,
    message:
      counts.duplicates === 0
        ? 'no reply arrived twice'
        : `${counts.duplicates} replies arrived a second time for a probe already answered`,
    code: 'WSH_ERR_DUPLICATE_REPLY'
  })
}

/** " ; N replies came back corrupted" for the checks that judge answers ('' when none). */
export function corruptedDetail(corrupted: number): string {
  return corrupted > 0 ? `; ${corrupted} replies came back corrupted` : ''
}
