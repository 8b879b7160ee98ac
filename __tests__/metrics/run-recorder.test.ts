import { describe, expect, it } from '@jest/globals'
import { systemClock } from '../../src/metrics/clock.js'
import { runHistograms } from '../../src/metrics/run-histograms.js'
import { createRunRecorder } from '../../src/metrics/run-recorder.js'
import { createManualClock } from '../fixtures/clock.js'

function manualClock() {
  const clock = createManualClock({ sleeps: 'instant', startMs: 0 })
  return { clock, at: (ms: number) => clock.setMs(ms) }
}

describe('run recorder', () => {
  it('reports nulls, never made-up numbers, when nothing was measured', () => {
    const m = createRunRecorder(systemClock).toRunMetrics(10_000)
    expect(m).toEqual({
      latencyMs: { avg: null, p50: null, p95: null, p99: null, max: null, count: 0 },
      successRate: null,
      deliveryRate: null,
      messagesSent: 0,
      messagesReceived: 0,
      messagesLost: 0,
      reconnections: 0,
      recoveryTimeMs: { avg: null, max: null },
      connectTimeMs: { avg: null, p95: null },
      throughputMsgsPerSec: null,
      heartbeat: { sent: 0, received: 0, successRate: null },
      errors: 0,
      corrupted: 0,
      duplicates: 0,
      crossTalk: 0,
      unsolicited: 0
    })
  })

  it('turns recorded events into RunMetrics', () => {
    const r = createRunRecorder(systemClock)
    r.recordConnect(10)
    r.recordConnect(30)
    for (let i = 0; i < 4; i++) r.recordProbeSent(100)
    r.recordRoundTrip(10, true, 100)
    r.recordRoundTrip(20, true, 100)
    r.recordRoundTrip(30, false, 100)
    r.recordProbeLost()
    r.recordError('WSH_ERR_MESSAGE_TIMEOUT')
    r.recordUnsolicited(40)
    r.recordPingSent()
    r.recordPingSent()
    r.recordPong(5)
    r.recordReconnect(200)
    r.recordReconnect(400)
    const m = r.toRunMetrics(2000)
    // The corrupted reply (30 ms) answered nothing: no latency sample.
    expect(m.latencyMs).toMatchObject({ avg: 15, max: 20, count: 2 })
    // (2 intact replies + 1 pong) / (4 messages + 2 pings)
    expect(m.successRate).toBe(0.5)
    expect(m.deliveryRate).toBe(0.5)
    expect(m).toMatchObject({
      messagesSent: 4,
      messagesReceived: 2,
      corrupted: 1,
      unsolicited: 1,
      messagesLost: 1,
      reconnections: 2,
      recoveryTimeMs: { avg: 300, max: 400 },
      connectTimeMs: { avg: 20 },
      heartbeat: { sent: 2, received: 1, successRate: 0.5 },
      errors: 1
    })
    expect(r.counters.bytesSent).toBe(400)
    expect(r.counters.bytesReceived).toBe(340)
    expect(r.errorsByCode.get('WSH_ERR_MESSAGE_TIMEOUT')).toBe(1)
    expect(r.pingRtts.count).toBe(1)
  })

  it('never counts a corrupted reply as answered: not received, no latency, no throughput, no delivery', () => {
    const { clock, at } = manualClock()
    const r = createRunRecorder(clock)
    r.recordProbeSent(10)
    r.recordProbeSent(10)
    at(1000)
    r.recordRoundTrip(5, true, 10)
    r.recordRoundTrip(7, false, 10)
    r.recordDuplicate(10)
    r.recordCrossTalk(10)
    r.recordCrossTalk(10)
    const m = r.toRunMetrics()
    expect(m).toMatchObject({
      messagesSent: 2,
      messagesReceived: 1,
      corrupted: 1,
      duplicates: 1,
      crossTalk: 2,
      unsolicited: 0,
      deliveryRate: 0.5,
      successRate: 0.5,
      throughputMsgsPerSec: 1
    })
    expect(m.latencyMs).toMatchObject({ count: 1, max: 5 })
    // Every byte that arrived is counted, whatever it was.
    expect(r.counters.bytesReceived).toBe(50)
  })

  it('throughput is null when no probe was in flight for a measurable time', () => {
    const { clock } = manualClock()
    const r = createRunRecorder(clock)
    r.recordProbeSent(1)
    r.recordRoundTrip(0, true, 1)
    expect(r.toRunMetrics(10_000).throughputMsgsPerSec).toBeNull()
  })

  it('throughput is replies over the time probes were in flight, not the run time', () => {
    const { clock, at } = manualClock()
    const r = createRunRecorder(clock)
    // Two overlapping probes from 100 to 300 ms: one 200 ms window, not 2 x 150.
    at(100)
    r.recordProbeSent(10)
    at(150)
    r.recordProbeSent(10)
    at(250)
    r.recordRoundTrip(150, true, 10)
    at(300)
    r.recordRoundTrip(150, true, 10)
    // Idle (connecting, a pause between suites) from 300 to 5000 ms: not counted.
    at(5_000)
    r.recordProbeSent(10)
    at(5_050)
    r.recordProbeLost()
    at(9_000)
    r.recordProbeSent(10)
    at(9_050)
    r.recordRoundTrip(50, true, 10)
    at(20_000)
    expect(r.samplingMs()).toBe(300)
    // 3 replies over 300 ms in flight; over the 20 s run it would read 0.15/s.
    expect(r.toRunMetrics(20_000).throughputMsgsPerSec).toBeCloseTo(10, 9)
    expect(runHistograms(r).throughputWindowMs).toBe(300)
  })

  it('a probe still in flight at report time counts up to now; stray ends are ignored', () => {
    const { clock, at } = manualClock()
    const r = createRunRecorder(clock)
    r.recordProbeLost() // no probe outstanding: must not open a window
    at(10)
    r.recordProbeSent(1)
    at(60)
    expect(r.samplingMs()).toBe(50)
    expect(r.toRunMetrics().throughputMsgsPerSec).toBe(0)
  })
})
