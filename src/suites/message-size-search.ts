/**
 * The largest message a service accepts, measured after it refused the
 * large-message probe with close code 1009 (message too big). Servers cap
 * message sizes on purpose, so the cap is a property to report, not a fault:
 * each try sends one binary message of a given size on a fresh connection
 * (a refusal closes the connection it came on) and sees whether it is echoed
 * intact or refused with 1009. The common library caps are tried first,
 * then the remaining range is bisected; bounded in tries and by the suite's
 * signal. Judging the result lives in message-size-check.ts.
 */
import type { Connection } from '../client/types.js'
import { abortable } from '../engine/deadline.js'
import { MESSAGE_TOO_BIG, closeQuietly, closedWith, connectWithin } from '../engine/probes.js'
import { HealthError } from '../errors.js'
import type { SuiteContext } from '../engine/suite-types.js'

export { MESSAGE_TOO_BIG, closedWith }

/** Tries (one connection and one message each) a search makes at most. */
export const MAX_SIZE_TRIES = 12

const KIB = 1024
const MIB = 1024 * KIB

/**
 * Message caps servers ship with, most common first: 1 MiB (Python
 * websockets' max_size, websocket-node's maxReceivedMessageSize, many
 * ws-based apps' maxPayload), 64 KiB (websocket-node's frame limit, many
 * gateways), 16 MiB, then other powers of two. A cap L shows as L accepted
 * and L + 1 refused, so each costs at most two tries.
 */
export const COMMON_SIZE_CAPS: readonly number[] = [
  MIB,
  64 * KIB,
  16 * MIB,
  256 * KIB,
  4 * MIB,
  512 * KIB,
  128 * KIB,
  32 * KIB,
  8 * MIB,
  2 * MIB,
  32 * MIB,
  16 * KIB
]

/** What one try showed: the size was echoed intact, refused with 1009, or neither (a fault). */
export type SizeTryOutcome =
  { kind: 'accepted' } | { kind: 'refused' } | { kind: 'fault'; error: unknown }

export interface SizeLimit {
  /** Largest size (bytes) seen echoed intact (0 when none was). */
  acceptedBytes: number
  /** Smallest size (bytes) seen refused with close code 1009. */
  refusedBytes: number
  /** True when refusedBytes is acceptedBytes + 1: the limit is acceptedBytes exactly. */
  exact: boolean
  /** Tries made (connections opened). */
  tries: number
  /** A try that was neither echoed intact nor refused with 1009 (the search stopped there). */
  fault?: { bytes: number; error: unknown }
  /** Why a search without a fault stopped short of an exact limit. */
  stoppedBy?: 'tries' | 'deadline'
}

export interface SizeSearchOptions {
  /** A size already seen echoed intact (bytes; 0 when none). */
  acceptedBytes: number
  /** The size the service refused with 1009 (bytes). */
  refusedBytes: number
  /** A size the user requires (min_message_bytes): tried first, so the verdict is known even if the limit is not. */
  requiredBytes?: number
  /** Default MAX_SIZE_TRIES. */
  maxTries?: number
  /**
   * Attempts per size (default 1): a try that ends otherwise than echoed or
   * refused with 1009 is tried again up to this many times in all (counted
   * against maxTries), for a path that drops or loses messages itself
   * (ServicePath.stepTries).
   */
  attemptsPerSize?: number
  /** Reply timeout per try, ms (default thresholds.messageTimeoutMs; ServicePath.tries.timeoutMs). */
  tryTimeoutMs?: number
}

/** Sends one `bytes`-byte binary message on a fresh connection and says what became of it. Never rejects. */
export async function trySize(
  ctx: Pick<SuiteContext, 'connect' | 'signal' | 'config'>,
  bytes: number,
  label: string,
  timeoutMs = ctx.config.thresholds.messageTimeoutMs
): Promise<SizeTryOutcome> {
  let connection: Connection | undefined
  try {
    // Unrecorded: a refusal is expected here, not a lost message of the run.
    connection = await connectWithin(ctx.connect, { label, record: false }, ctx.signal)
    const trip = await abortable(
      connection.probe({
        kind: 'large',
        bytes,
        timeoutMs
      }),
      ctx.signal
    )
    return trip.intact
      ? { kind: 'accepted' }
      : {
          kind: 'fault',
          error: new HealthError(
            'WSH_ERR_PROTOCOL',
            `the ${bytes}-byte reply differs from what was sent`
          )
        }
  } catch (error) {
    if (connection !== undefined && (await closedWith(connection)) === MESSAGE_TOO_BIG) {
      return { kind: 'refused' }
    }
    return { kind: 'fault', error }
  } finally {
    if (connection !== undefined) await closeQuietly(connection)
  }
}

/**
 * Narrows the service's message size limit between a size it accepted and
 * one it refused with 1009: the required size first, then the common caps
 * inside the range, then bisection. Stops at an exact limit, a fault, the
 * try budget or the suite's signal.
 */
export async function findSizeLimit(
  ctx: Pick<SuiteContext, 'connect' | 'signal' | 'config'>,
  options: SizeSearchOptions
): Promise<SizeLimit> {
  const maxTries = options.maxTries ?? MAX_SIZE_TRIES
  let accepted = options.acceptedBytes
  let refused = options.refusedBytes
  let tries = 0
  let fault: SizeLimit['fault']
  const open = (): boolean =>
    refused - accepted > 1 && tries < maxTries && fault === undefined && !ctx.signal.aborted
  const inRange = (bytes: number): boolean => bytes > accepted && bytes < refused
  const attempt = (bytes: number): Promise<SizeTryOutcome> => {
    tries++
    return trySize(ctx, bytes, `size_${tries}`, options.tryTimeoutMs)
  }
  const tryAt = async (bytes: number): Promise<void> => {
    let outcome = await attempt(bytes)
    for (
      let attempts = 1;
      outcome.kind === 'fault' &&
      attempts < (options.attemptsPerSize ?? 1) &&
      tries < maxTries &&
      !ctx.signal.aborted;
      attempts++
    )
      outcome = await attempt(bytes)
    if (outcome.kind === 'accepted') accepted = bytes
    else if (outcome.kind === 'refused') refused = bytes
    // A try cut by the deadline says nothing about the service.
    else if (!ctx.signal.aborted) fault = { bytes, error: outcome.error }
  }

  if (options.requiredBytes !== undefined && inRange(options.requiredBytes) && open()) {
    await tryAt(options.requiredBytes)
  }
  for (const cap of COMMON_SIZE_CAPS) {
    if (!open()) break
    if (inRange(cap)) await tryAt(cap)
    // Accepted at a common cap: one byte more tells whether it is the cap.
    if (accepted === cap && inRange(cap + 1) && open()) await tryAt(cap + 1)
  }
  while (open()) await tryAt(accepted + Math.floor((refused - accepted) / 2))

  const exact = refused - accepted === 1
  return {
    acceptedBytes: accepted,
    refusedBytes: refused,
    exact,
    tries,
    ...(fault === undefined ? {} : { fault }),
    ...(exact || fault !== undefined
      ? {}
      : { stoppedBy: ctx.signal.aborted ? ('deadline' as const) : ('tries' as const) })
  }
}
