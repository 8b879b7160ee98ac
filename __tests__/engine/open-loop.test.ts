/**
 * The open-loop schedule: the n-th probe is due at start + n / rate whatever
 * happens, and after an event-loop delay every probe that fell due is sent
 * at once, stamped with its own scheduled time, so the delay counts in the
 * latency of every probe it held up (issue 16 section 1).
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import type { Connection, ProbeSink } from '../../src/client/types.js'
import { createProbeSchedule, runOpenLoop } from '../../src/engine/open-loop.js'
import { closeQuietly } from '../../src/engine/probes.js'
import { systemClock, type Clock } from '../../src/metrics/clock.js'
import { summarize } from '../../src/metrics/recorder.js'
import { startReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'
import { startDroppingServer } from '../fixtures/faulty-servers.js'
import { wireClient } from '../suites/harness.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

describe('createProbeSchedule', () => {
  it('emits every send due by now with its scheduled time, and never drifts', () => {
    const schedule = createProbeSchedule(1000, 10)
    const due: number[] = []
    const emit = (at: number): void => {
      due.push(at)
    }
    expect(schedule.takeDue(9.9, emit)).toBe(0)
    // A caller 5.5 ms late gets all six sends that fell due, each at its own time.
    expect(schedule.takeDue(15.5, emit)).toBe(6)
    expect(due).toEqual([10, 11, 12, 13, 14, 15])
    expect(schedule.nextDueMs()).toBe(16)
    // Lateness never shifts the sends after it.
    expect(schedule.takeDue(16.2, emit)).toBe(1)
    expect(due.at(-1)).toBe(16)
    expect(schedule.takeDue(1_000, emit, 3)).toBe(3)
    expect(schedule.taken).toBe(10)
    expect(schedule.nextDueMs()).toBe(20)
  })

  it('refuses a rate that is not > 0', () => {
    expect(() => createProbeSchedule(0, 0)).toThrow('ratePerSec: got 0')
    expect(() => createProbeSchedule(Number.NaN, 0)).toThrow(RangeError)
  })
})

describe('runOpenLoop over a real socket', () => {
  it('sends the probes due during an event-loop stall late, and charges them the wait', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    const config = makeConfig({ url: server.url })
    const connection: Connection = await wireClient(server.url, config).connect({ label: 'ol_1' })
    closers.push(() => closeQuietly(connection))
    const stallMs = 200
    // 100 ms into the run this process stops for 200 ms: nothing can be sent meanwhile.
    setTimeout(() => {
      const until = performance.now() + stallMs
      while (performance.now() < until) {
        // Busy: the event loop is blocked, as a GC pause or a slow callback would block it.
      }
    }, 100)
    const stopAtMs = systemClock.nowMs() + 600
    const result = await runOpenLoop({
      connections: [connection],
      ratePerSec: 500,
      maxInFlight: 1_000,
      timeoutMs: 5_000,
      stopAtMs,
      signal: new AbortController().signal,
      clock: systemClock
    })
    // The schedule did not drift: exactly the probes due before stopAtMs were scheduled.
    expect(result.scheduled).toBe(Math.ceil((stopAtMs - result.startMs) / 2))
    expect(result.replies).toBe(result.scheduled)
    expect(result.backlogged).toBe(0)
    const lateness = summarize(result.sendLatenessMs)
    const latency = summarize(result.latenciesMs)
    // The probes due in the stall went out at its end, up to stallMs late ...
    expect(lateness.max).toBeGreaterThanOrEqual(stallMs * 0.9)
    expect(result.sendLatenessMs.filter((ms) => ms >= stallMs / 2).length).toBeGreaterThanOrEqual(
      40
    )
    // ... and their latency counts from when they were due, not from when they went out.
    expect(latency.max).toBeGreaterThanOrEqual(lateness.max ?? Infinity)
    const rtt = summarize(result.rttsMs)
    expect(rtt.max).toBeLessThan(latency.max ?? 0)
    // They left together, in one write after the stall: each counts as sent at that same
    // moment, so their lateness falls by exactly one interval (2 ms) from one to the next.
    const first = result.sendLatenessMs.findIndex((ms) => ms >= stallMs / 2)
    for (let i = first; i < first + 39; i++) {
      expect(result.sendLatenessMs[i] - result.sendLatenessMs[i + 1]).toBeCloseTo(2, 6)
    }
  })

  it('gives every sent probe exactly one outcome, each reply its own scheduled time', async () => {
    // Every 4th probe is dropped: it times out, the other three are answered.
    const server = await startDroppingServer(4)
    closers.push(() => server.close())
    const config = makeConfig({ url: server.url })
    const connection: Connection = await wireClient(server.url, config).connect({ label: 'ol_2' })
    closers.push(() => closeQuietly(connection))
    const result = await runOpenLoop({
      connections: [connection],
      ratePerSec: 400,
      maxInFlight: 1_000,
      timeoutMs: 250,
      stopAtMs: systemClock.nowMs() + 200,
      signal: new AbortController().signal,
      clock: systemClock
    })
    expect(result.sent).toBe(result.scheduled)
    expect(result.timeouts).toBe(Math.floor(result.sent / 4))
    expect(result.replies + result.timeouts).toBe(result.sent)
    expect(result.failures + result.corrupted + result.abandoned).toBe(0)
    expect(result.latenciesMs).toHaveLength(result.replies)
    expect(result.intendedAtMs).toHaveLength(result.replies)
    for (let i = 0; i < result.replies; i++) {
      // A reply is charged from its own probe's slot on the schedule (never a dropped probe's) ...
      const slot = Math.round((result.intendedAtMs[i] - result.startMs) / 2.5)
      expect(result.intendedAtMs[i]).toBe(result.startMs + slot * 2.5)
      expect(slot % 4).not.toBe(3)
      // ... with its send's lateness on top of its round trip.
      expect(result.latenciesMs[i]).toBeGreaterThanOrEqual(result.rttsMs[i])
    }
    expect(new Set(result.intendedAtMs).size).toBe(result.replies)
  })
})

describe('runOpenLoop between replies', () => {
  it('sends what falls due while one read of many replies is handled, between two of them', async () => {
    // Time moves only when the loop reads the clock (1 us a reading) or a reply is handled.
    let nowMs = 0
    const clock: Clock = {
      now: () => BigInt(Math.round(nowMs * 1e6)),
      nowMs: () => (nowMs += 0.001),
      sleep: (ms) => {
        nowMs += ms
        return Promise.resolve()
      }
    }
    const events: string[] = []
    let pending: Array<{ sink: ProbeSink; token: number }> = []
    // One read that holds ten replies, each taking 0.5 ms to handle.
    const deliver = (): void => {
      const read = pending
      pending = []
      for (const { sink, token } of read) {
        nowMs += 0.5
        events.push(`reply ${token}`)
        sink.probeAnswered(token, 0.5, 64, true)
      }
    }
    const connection = {
      label: 'batched',
      readyState: 'OPEN',
      holdWrites: () => undefined,
      releaseWrites: () => undefined,
      probeTo(_options: unknown, sink: ProbeSink, token: number) {
        events.push(`send ${token}`)
        if (pending.push({ sink, token }) === 10) setImmediate(deliver)
      }
    } as unknown as Connection
    const result = await runOpenLoop({
      connections: [connection],
      ratePerSec: 1_000,
      maxInFlight: 1_000,
      maxProbes: 30,
      timeoutMs: 5_000,
      stopAtMs: 1_000,
      signal: new AbortController().signal,
      clock
    })
    expect(result).toMatchObject({ scheduled: 30, sent: 30, replies: 30 })
    // Probe 10 fell due while the first read was handled: it left before that read's last reply.
    expect(events.indexOf('send 10')).toBeLessThan(events.indexOf('reply 9'))
    expect(events.indexOf('send 10')).toBeGreaterThan(events.indexOf('reply 0'))
    expect(Math.max(...result.sendLatenessMs)).toBeLessThan(0.6)
  })
})
