/**
 * The protocol-error probe of message-delivery: send something RFC 6455
 * forbids (a text frame with invalid UTF-8) on a separate, unrecorded
 * connection and check the service fails the connection in bounded time
 * (a close with a protocol-error code, or a TCP drop) instead of hanging.
 * Ending it the wrong way (echoing the bytes, another close code) is a
 * conformance finding; only a hang fails.
 */
import { failedToMeasure, skipped, verify } from '../engine/checks.js'
import type { Check } from '../engine/model.js'
import { closeQuietly, connectWithin } from '../engine/probes.js'
import { HealthError } from '../errors.js'
import { withTimeout } from '../engine/deadline.js'
import type { CloseInfo } from '../client/types.js'
import type { SuiteContext } from '../engine/suite-types.js'

/** Time the service gets to close after a protocol error (ms); a healthy one closes in one round trip. */
export const PROTOCOL_ERROR_CLOSE_MS = 5_000

/** Lone continuation and overlong bytes: invalid UTF-8 in any position (RFC 3629). */
const INVALID_UTF8 = Buffer.from([0x77, 0x73, 0x68, 0xc0, 0xaf, 0xff, 0xfe, 0x80])

/**
 * Close codes that answer a protocol error properly: 1002 protocol error,
 * 1003 unsupported data, 1007 invalid payload, 1008 policy, 1009 too big,
 * 1011 internal error.
 */
export const PROTOCOL_ERROR_CLOSE_CODES: readonly number[] = [1002, 1003, 1007, 1008, 1009, 1011]
/**
 * The threshold shown for the check: any of these codes passes, not only
 * 1007, and so does dropping TCP (RFC 6455 §7.1.7: the endpoint fails the
 * connection; sending a close frame first is a SHOULD, and Autobahn's 6.x
 * cases accept a drop).
 */
const ACCEPTED = `one of ${PROTOCOL_ERROR_CLOSE_CODES.join('/')}, or a TCP drop`
/** ws reports this code when the TCP connection ended without a close frame. */
const NO_CLOSE_FRAME = 1006

const ID = 'protocol-error-close'
const TITLE = 'protocol error (invalid UTF-8) gets a close or a drop, not a hang'
/** The probe's check id and title, for the rows the engine writes when it does not run. */
export const PROTOCOL_ERROR_CHECK = { id: ID, title: TITLE } as const

export interface ProtocolErrorProbeOptions {
  /** Time the service gets to close after the invalid frame, in ms (default PROTOCOL_ERROR_CLOSE_MS). */
  closeWithinMs?: number
}

/** Runs the probe and returns its check (never rejects). */
export async function protocolErrorCheck(
  ctx: Pick<SuiteContext, 'connect' | 'signal'>,
  options: ProtocolErrorProbeOptions = {}
): Promise<Check> {
  const closeWithinMs = options.closeWithinMs ?? PROTOCOL_ERROR_CLOSE_MS
  let connection
  try {
    connection = await connectWithin(
      ctx.connect,
      { label: 'protocol_error', record: false },
      ctx.signal
    )
  } catch (error) {
    return failedToMeasure(ID, TITLE, error)
  }
  try {
    if (typeof connection.sendTextBytes !== 'function') {
      return skipped(
        ID,
        TITLE,
        'the instrumented client cannot send a text frame with invalid UTF-8'
      )
    }
    const clientErrorsBefore = connection.stats.errors
    const sendTextBytes = connection.sendTextBytes.bind(connection)
    const opened = connection
    // Sending and the wait for the close share one limit: a send that never
    // completes (a service that stops reading) must not hang the suite either.
    const sendThenClosed = async (): Promise<CloseInfo> => {
      await sendTextBytes(INVALID_UTF8)
      return opened.closed
    }
    const repliesBefore = connection.stats.messagesReceived
    const info = await withTimeout(
      sendThenClosed(),
      closeWithinMs,
      () =>
        new HealthError(
          'WSH_ERR_PROTOCOL',
          `the service did not close the connection within ${closeWithinMs} ms after invalid UTF-8 in a text frame (it hangs or ignores protocol errors)`
        ),
      ctx.signal
    ).catch((error: unknown) => {
      // Still open but answering: not a hang (see keptOpenButAnswered).
      const replies = opened.stats.messagesReceived - repliesBefore
      if (replies > 0 && !ctx.signal.aborted) return replies
      throw error
    })
    if (typeof info === 'number') return keptOpenButAnswered(info)
    const rejected =
      connection.stats.errors > clientErrorsBefore
        ? (connection.lastError ?? 'an error')
        : undefined
    return gradeProtocolErrorOutcome(info, rejected)
  } catch (error) {
    return failedToMeasure(ID, TITLE, error)
  } finally {
    await closeQuietly(connection)
  }
}

/**
 * Grades how the service ended the connection after the invalid frame (it
 * did end it within the limit; only a hang fails, and that is judged before
 * this). Closing with a protocol-error code or dropping TCP passes; echoing
 * the bytes back or closing with another code is a conformance finding.
 * `clientRejected` is the client's own error when it had to reject what the
 * service sent back.
 */
export function gradeProtocolErrorOutcome(
  info: CloseInfo,
  clientRejected: string | undefined
): Check {
  const base = {
    id: ID,
    title: TITLE,
    value: info.code,
    unit: 'close code',
    expected: 1007,
    expectation: ACCEPTED,
    code: 'WSH_ERR_PROTOCOL' as const
  }
  if (clientRejected !== undefined) {
    // The client rejected what came back: the service passed the invalid bytes on
    // (RFC 6455 §8.1: it MUST fail the connection) and the client closed instead.
    const echoed = /utf-?8/i.test(clientRejected)
    return verify({
      ...base,
      ok: false,
      conformance: true,
      message: echoed
        ? `the service echoed the invalid UTF-8 back instead of failing the connection (RFC 6455 8.1); the client closed it (${info.code})`
        : `the service answered the invalid UTF-8 with data the client rejected (${clientRejected}) instead of failing the connection (RFC 6455 8.1)`
    })
  }
  if (info.code === NO_CLOSE_FRAME) {
    return verify({
      ...base,
      ok: true,
      message: 'dropped the TCP connection without a close frame, allowed by RFC 6455 7.1.7'
    })
  }
  const reason = info.reason ? ` (${info.reason})` : ''
  const proper = PROTOCOL_ERROR_CLOSE_CODES.includes(info.code)
  return verify({
    ...base,
    ok: proper,
    // The service did end the connection: a close without a descriptive code is a nit, not a fault.
    conformance: true,
    message: proper
      ? `closed with ${info.code}${reason}`
      : `closed with ${info.code}${reason}; RFC 6455 7.4.1 asks for 1007 (or another protocol-error code: ${PROTOCOL_ERROR_CLOSE_CODES.join(', ')})`
  })
}

/**
 * The service kept the connection open past the limit but answered the
 * invalid frame (nodejs-websocket, for one, echoes it with U+FFFD
 * replacement characters): it breaks RFC 6455 8.1 (MUST fail the
 * connection) yet is clearly not hung, so this is a conformance finding.
 */
function keptOpenButAnswered(replies: number): Check {
  return verify({
    id: ID,
    title: TITLE,
    ok: false,
    value: 'open',
    expected: 1007,
    expectation: ACCEPTED,
    conformance: true,
    code: 'WSH_ERR_PROTOCOL',
    message: `the service answered the invalid UTF-8 (${replies} message${replies === 1 ? '' : 's'} back, e.g. an echo with replacement characters) and kept the connection open instead of failing it (RFC 6455 8.1)`
  })
}
