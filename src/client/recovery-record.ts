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

/** A connection is open again at `endedAtMs`; `lastSleptMs` is the measured sleep before that attempt. */
export function closeRecovery(
  record: RecoveryRecord,
  endedAtMs: number,
  lastSleptMs: number
): void {
  record.endedAtMs = endedAtMs
  record.timeToReconnectMs = record.endedAtMs - record.startedAtMs
  // The service may have been back at any point of this last sleep: it is not charged.
  record.backoffSleepMs += lastSleptMs
  record.recoveryMs = Math.max(0, record.timeToReconnectMs - record.backoffSleepMs)
  record.succeeded = true
}
