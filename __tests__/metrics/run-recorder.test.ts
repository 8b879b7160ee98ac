import { describe, expect, it } from '@jest/globals'
import { systemClock } from '../../src/metrics/clock.js'
import { createRunRecorder } from '../../src/metrics/run-recorder.js'

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
      errors: 0
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
    expect(m.latencyMs).toMatchObject({ avg: 20, p50: 20, max: 30, count: 3 })
    // (2 intact replies + 1 pong) / (4 messages + 2 pings)
    expect(m.successRate).toBe(0.5)
    expect(m.deliveryRate).toBe(0.5)
    expect(m).toMatchObject({
      messagesSent: 4,
      messagesReceived: 3,
      messagesLost: 1,
      reconnections: 2,
      recoveryTimeMs: { avg: 300, max: 400 },
      connectTimeMs: { avg: 20 },
      throughputMsgsPerSec: 1.5,
      heartbeat: { sent: 2, received: 1, successRate: 0.5 },
      errors: 1
    })
    expect(r.counters.bytesSent).toBe(400)
    expect(r.counters.bytesReceived).toBe(340)
    expect(r.errorsByCode.get('WSH_ERR_MESSAGE_TIMEOUT')).toBe(1)
    expect(r.pingRtts.count).toBe(1)
  })

  it('throughput is null for a zero elapsed time', () => {
    const r = createRunRecorder(systemClock)
    r.recordProbeSent(1)
    expect(r.toRunMetrics(0).throughputMsgsPerSec).toBeNull()
  })
})
