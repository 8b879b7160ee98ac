/**
 * The protocol-error probe of message-delivery: send something RFC 6455
 * forbids (a text frame with invalid UTF-8) on a separate, unrecorded
 * connection and check the service closes it cleanly in bounded time
 * instead of hanging or crashing.
 */
import { failedToMeasure, skipped, verify } from '../engine/checks.js'
import type { Check } from '../engine/model.js'
import { closeQuietly, connectWithin } from '../engine/probes.js'
import { HealthError } from '../errors.js'
import { withTimeout } from '../engine/deadline.js'
import type { CloseInfo } from '../client/types.js'
import type { SuiteContext } from './types.js'

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
/** The threshold shown for the check: any of these codes passes, not only 1007. */
const ACCEPTED = `one of ${PROTOCOL_ERROR_CLOSE_CODES.join('/')}`

const ID = 'protocol-error-close'
const TITLE = 'protocol error (invalid UTF-8) gets a clean close, not a hang'
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
    const info = await withTimeout(
      sendThenClosed(),
      closeWithinMs,
      () =>
        new HealthError(
          'WSH_ERR_PROTOCOL',
          `the service did not close the connection within ${closeWithinMs} ms after invalid UTF-8 in a text frame (it hangs or ignores protocol errors)`
        ),
      ctx.signal
    )
    // The client saw an error of its own: the service passed the invalid bytes back
    // (our client then closed), so the service did not reject the frame at all.
    if (connection.stats.errors > clientErrorsBefore) {
      return verify({
        id: ID,
        title: TITLE,
        ok: false,
        value: info.code,
        unit: 'close code',
        expected: 1007,
        expectation: ACCEPTED,
        message: `the service sent invalid data back instead of closing; the client dropped the connection (${info.code})`,
        code: 'WSH_ERR_PROTOCOL'
      })
    }
    const proper = PROTOCOL_ERROR_CLOSE_CODES.includes(info.code)
    return verify({
      id: ID,
      title: TITLE,
      ok: proper,
      value: info.code,
      unit: 'close code',
      expected: 1007,
      expectation: ACCEPTED,
      // A close without a descriptive code still beats a hang: degraded, not failed.
      minor: true,
      message: proper
        ? `closed with ${info.code}${info.reason ? ` (${info.reason})` : ''}`
        : `closed with ${info.code}, expected one of ${PROTOCOL_ERROR_CLOSE_CODES.join(', ')}`,
      code: 'WSH_ERR_PROTOCOL'
    })
  } catch (error) {
    return failedToMeasure(ID, TITLE, error)
  } finally {
    await closeQuietly(connection)
  }
}
