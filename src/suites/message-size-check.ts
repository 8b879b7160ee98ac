/**
 * The large-message check once the service refused the large probe with
 * close code 1009 (message too big): a size limit is a property of the
 * service, so the check reports the limit found (message-size-search.ts)
 * and passes, unless min_message_bytes asks for more than it accepts. A size
 * that was neither echoed nor refused with 1009 is a fault and fails.
 */
import { errorCode, failedToMeasure, measure, verify } from '../engine/checks.js'
import type { Check } from '../engine/model.js'
import { describeError, HealthError } from '../errors.js'
import type { SizeLimit } from './message-size-search.js'
import type { SuiteContext } from '../engine/suite-types.js'

/** What the search found (one clause) and how (the parenthesis after it). */
export function describeSizeLimit(
  limit: SizeLimit,
  probeBytes: number
): { found: string; how: string } {
  const { acceptedBytes: accepted, refusedBytes: refused } = limit
  const found = limit.exact
    ? `accepts up to ${accepted} bytes`
    : accepted > 0
      ? `accepts at least ${accepted} bytes and refuses ${refused}, the limit lies between them (${refused - accepted - 1} bytes unresolved${limit.stoppedBy === 'deadline' ? ', search cut by the deadline' : ''})`
      : `refuses ${refused} bytes and no size was seen echoed intact`
  const refusal = limit.exact
    ? `${refused} bytes are refused with close code 1009`
    : 'close code 1009'
  return {
    found,
    how: `${refusal}, message too big; ${limit.tries} sizes tried on fresh connections after the ${probeBytes}-byte probe was refused`
  }
}

/** Judges a size limit found after a 1009 refusal (see the file comment). */
export function sizeLimitCheck(
  ctx: Pick<SuiteContext, 'config'>,
  payload: { id: string; title: string },
  limit: SizeLimit,
  probeBytes: number
): Check {
  const { id, title } = payload
  const { found: what, how } = describeSizeLimit(limit, probeBytes)
  const found = `${what} (${how})`
  const accepted = limit.acceptedBytes > 0 ? limit.acceptedBytes : null
  const required = ctx.config.minMessageBytes
  if (limit.fault !== undefined) {
    return failedToMeasure(
      id,
      title,
      new HealthError(
        errorCode(limit.fault.error),
        `${found}; then a ${limit.fault.bytes}-byte message was neither echoed intact nor refused with 1009: ${describeError(limit.fault.error)}`
      )
    )
  }
  if (required === undefined) {
    return accepted === null
      ? failedToMeasure(id, title, new HealthError('WSH_ERR_PROTOCOL', found))
      : verify({
          id,
          title,
          ok: true,
          value: accepted,
          unit: 'bytes',
          expectation: 'echoed, or refused with 1009 above a size limit (min_message_bytes unset)',
          message: `${what}: a size limit, not a fault (${how})`
        })
  }
  const unresolved = (accepted ?? 0) < required && required < limit.refusedBytes
  if (unresolved) {
    return failedToMeasure(
      id,
      title,
      new HealthError(
        limit.stoppedBy === 'deadline' ? 'WSH_ERR_DEADLINE' : 'WSH_ERR_PROTOCOL',
        `${found}; whether ${required} bytes (min_message_bytes) are accepted is not known`
      )
    )
  }
  return measure({
    id,
    title,
    value: accepted ?? 0,
    unit: 'bytes',
    op: '>=',
    limit: required,
    code: 'WSH_ERR_PROTOCOL',
    detail: `${found}; min_message_bytes = ${required}`
  })
}
