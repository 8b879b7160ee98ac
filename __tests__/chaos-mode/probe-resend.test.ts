/**
 * runProbes with `resendAfterMs` (chaos mode): a probe the relay lost is
 * sent again after the resend timeout instead of waiting out the message
 * timeout, and counts as timed out only after its resends; resent probes are
 * left out of the order judgement. Without it nothing changes.
 */
import { describe, expect, it } from '@jest/globals'
import type { Connection, RoundTrip } from '../../src/client/types.js'
import { HealthError } from '../../src/errors.js'
import { runProbes } from '../../src/engine/probes.js'
import { systemClock } from '../../src/metrics/clock.js'

/** A Connection whose probes time out (at once) for the calls `lose` says, else reply. */
function lossyConnection(lose: (call: number) => boolean): {
  connection: Connection
  timeouts: number[]
} {
  const timeouts: number[] = []
  let call = 0
  const connection = {
    label: 'lossy',
    readyState: 'OPEN',
    probe({ timeoutMs }: { timeoutMs: number }): Promise<RoundTrip> {
      timeouts.push(timeoutMs)
      const id = call++
      return lose(id)
        ? Promise.reject(new HealthError('WSH_ERR_MESSAGE_TIMEOUT', `probe ${id} lost`))
        : Promise.resolve({ id, rttMs: 1, intact: true, bytes: 8, matchedById: true })
    }
  } as unknown as Connection
  return { connection, timeouts }
}

const base = { timeoutMs: 30_000, signal: new AbortController().signal, clock: systemClock }

describe('runProbes resendAfterMs', () => {
  it('resends a lost probe after resendAfterMs and counts it delivered', async () => {
    const { connection, timeouts } = lossyConnection((call) => call === 1 || call === 3)
    const result = await runProbes(connection, {
      ...base,
      count: 5,
      concurrency: 5,
      resendAfterMs: 4_000
    })
    expect(result).toMatchObject({ sent: 5, replies: 5, timeouts: 0, resent: 2 })
    // Each attempt waits the resend timeout, not the message timeout.
    expect(new Set(timeouts)).toEqual(new Set([4_000]))
    // Only the 3 probes never resent are judged for order.
    expect(result.orderJudgedReplies).toBe(3)
  })

  it('counts a probe unanswered after maxResends as timed out', async () => {
    const { connection, timeouts } = lossyConnection(() => true)
    const result = await runProbes(connection, {
      ...base,
      count: 1,
      resendAfterMs: 1_000,
      maxResends: 2
    })
    expect(result).toMatchObject({ sent: 1, replies: 0, timeouts: 1, resent: 2 })
    expect(timeouts).toEqual([1_000, 1_000, 1_000])
  })

  it('without resendAfterMs, a timeout is final and waits the message timeout', async () => {
    const { connection, timeouts } = lossyConnection((call) => call === 0)
    const result = await runProbes(connection, { ...base, count: 1 })
    expect(result).toMatchObject({ sent: 1, replies: 0, timeouts: 1, resent: 0 })
    expect(result.orderJudgedReplies).toBeUndefined()
    expect(timeouts).toEqual([30_000])
  })

  it('rejects a resendAfterMs that is not a positive duration', async () => {
    const { connection } = lossyConnection(() => false)
    await expect(runProbes(connection, { ...base, count: 1, resendAfterMs: 0 })).rejects.toThrow(
      /resendAfterMs/
    )
  })
})
