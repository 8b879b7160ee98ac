/**
 * serviceRecoveryMs: the part of a recovery charged to the service, without
 * the client's last sleep and the path's own refusal windows
 * (src/client/recovery-record.ts).
 */
import { describe, expect, it } from '@jest/globals'
import type { RecoveryRecord } from '../../src/client/reconnecting-client.js'
import { closeRecovery, openRecovery, serviceRecoveryMs } from '../../src/client/recovery-record.js'
import type { ReconnectStats } from '../../src/client/reconnect-types.js'

/** A recovery from a drop at 0 ms that reconnected at `endedAtMs` after sleeping until `attemptAtMs`. */
function recovery(endedAtMs: number, attemptAtMs: number, lastSleptMs: number): RecoveryRecord {
  const stats = { recoveries: [], delaysMs: [] } as unknown as ReconnectStats
  const record = openRecovery(stats, 'drop', 1006, 0)
  closeRecovery(record, endedAtMs, attemptAtMs, lastSleptMs)
  return record
}

describe('serviceRecoveryMs', () => {
  it('is recoveryMs on a path that refused nothing', () => {
    const record = recovery(500, 480, 100)
    expect(record.recoveryMs).toBe(400)
    expect(serviceRecoveryMs(record, [])).toBe(400)
  })

  it('takes out a refusal window, and counts its overlap with the last sleep once', () => {
    // Refused 0-300 and slept 250-480 cover 0-480 together: the service's are the last 20 ms.
    const record = recovery(500, 480, 230)
    expect(serviceRecoveryMs(record, [{ fromMs: 0, toMs: 300 }])).toBe(20)
  })

  it('charges the service for the gap between two refusal windows', () => {
    // Refused 0-100 and 300-400; the client slept 450-480 (its last sleep), answered at 500.
    const record = recovery(500, 480, 30)
    const refusals = [
      { fromMs: 0, toMs: 100 },
      { fromMs: 300, toMs: 400 }
    ]
    // Not charged: 100 + 100 + 30; charged: 500 - 230.
    expect(serviceRecoveryMs(record, refusals)).toBe(270)
  })

  it('never charges more than recoveryMs, and is null while the recovery is open', () => {
    const record = recovery(500, 480, 100)
    expect(serviceRecoveryMs(record, [{ fromMs: 600, toMs: 700 }])).toBe(400)
    const stats = { recoveries: [], delaysMs: [] } as unknown as ReconnectStats
    expect(serviceRecoveryMs(openRecovery(stats, 'drop', 1006, 0), [])).toBeNull()
  })
})
