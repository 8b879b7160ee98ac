/**
 * The record of one recovery (RecoveryRecord): opened when a loss is seen,
 * added to before each attempt, closed when a connection is open again. The
 * split of the wait between the service's downtime and the client's own
 * backoff sleep is made here, so the self-healing suite can judge the
 * service's recovery rather than the client's policy.
 */
import {
  MAX_RECOVERY_RECORDS,
  type ReconnectStats,
  type RecoveryRecord
} from './reconnect-types.js'

/** Bound on the run-wide delay list (ReconnectStats.delaysMs): ten per kept record. */
const MAX_DELAYS = MAX_RECOVERY_RECORDS * 10

/** A new record started at `startedAtMs` (clock ms), kept in `stats` while under the bound. */
export function openRecovery(
  stats: ReconnectStats,
  cause: RecoveryRecord['cause'],
  closeCode: number | null,
  startedAtMs: number
): RecoveryRecord {
  const record: RecoveryRecord = {
    cause,
    closeCode,
    startedAtMs,
    endedAtMs: null,
    lastSleep: null,
    timeToReconnectMs: null,
    recoveryMs: null,
    backoffSleepMs: 0,
    attempts: 0,
    delaysMs: [],
    policyDelaysMs: [],
    succeeded: false
  }
  if (stats.recoveries.length < MAX_RECOVERY_RECORDS) stats.recoveries.push(record)
  return record
}

/** The wait before an attempt: what the policy asked for and what will be waited, ms. */
export function noteDelay(
  record: RecoveryRecord,
  stats: ReconnectStats,
  policyDelayMs: number,
  delayMs: number
): void {
  record.policyDelaysMs.push(policyDelayMs)
  record.delaysMs.push(delayMs)
  if (stats.delaysMs.length < MAX_DELAYS) stats.delaysMs.push(delayMs)
}

/**
 * A connection is open again at `endedAtMs`, by the attempt begun at
 * `attemptAtMs`; `lastSleptMs` is the measured sleep before that attempt.
 */
export function closeRecovery(
  record: RecoveryRecord,
  endedAtMs: number,
  attemptAtMs: number,
  lastSleptMs: number
): void {
  record.endedAtMs = endedAtMs
  record.lastSleep = { fromMs: attemptAtMs - lastSleptMs, toMs: attemptAtMs }
  record.timeToReconnectMs = record.endedAtMs - record.startedAtMs
  // The service may have been back at any point of this last sleep: it is not charged.
  record.backoffSleepMs += lastSleptMs
  record.recoveryMs = Math.max(0, record.timeToReconnectMs - record.backoffSleepMs)
  record.succeeded = true
}

/** A span of clock ms. */
interface Span {
  fromMs: number
  toMs: number
}

/**
 * The part of a closed recovery charged to the service, ms: its recoveryMs,
 * less the time within it that the path refused connects on its own account
 * (`refusals`: a chaos relay's 503 window after a drop it injected, an
 * outage), counted once where that overlaps the client's last sleep. Never
 * more than recoveryMs; null while the recovery is open.
 */
export function serviceRecoveryMs(
  record: RecoveryRecord,
  refusals: readonly Span[]
): number | null {
  const { startedAtMs, endedAtMs, lastSleep, recoveryMs } = record
  if (endedAtMs === null || recoveryMs === null) return null
  if (refusals.length === 0 || lastSleep === null) return recoveryMs
  const notCharged = coveredMs([...refusals, lastSleep], startedAtMs, endedAtMs)
  return Math.max(0, Math.min(recoveryMs, endedAtMs - startedAtMs - notCharged))
}

/** How much of `fromMs`..`toMs` the spans cover together, ms (an overlap counted once). */
function coveredMs(spans: readonly Span[], fromMs: number, toMs: number): number {
  const clipped = spans
    .map((span) => ({ fromMs: Math.max(fromMs, span.fromMs), toMs: Math.min(toMs, span.toMs) }))
    .filter((span) => span.toMs > span.fromMs)
    .sort((a, b) => a.fromMs - b.fromMs)
  let covered = 0
  let reachedMs = fromMs
  for (const span of clipped) {
    const startMs = Math.max(reachedMs, span.fromMs)
    if (span.toMs > startMs) covered += span.toMs - startMs
    reachedMs = Math.max(reachedMs, span.toMs)
  }
  return covered
}
