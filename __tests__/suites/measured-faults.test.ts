/**
 * Checks that could not fail before now measure the fault they name: lost
 * pongs, lost replies in the percentiles, FIFO-matched json replies, a
 * service that keeps TCP open, thresholds.successRate, the ping interval cap
 * and the degradation floor (a probe lost to a close: message-size-limit.test.ts).
 * Fault servers are deterministic (every other ping, every Nth message), so
 * assertions are on counts, not on timing.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import type { Connection } from '../../src/client/types.js'
import { makeConfig } from '../fixtures/builders.js'
import {
  startDroppingServer,
  startHalfOpenServer,
  startHalfPongServer,
  startNoIdPongServer
} from '../fixtures/faulty-servers.js'
import { type TestServer } from '../fixtures/ws-server.js'
import { pingIntervalMs } from '../../src/suites/heartbeat-monitoring.js'
import { MIN_DEGRADATION_MS, degradationCheck } from '../../src/suites/latency-performance.js'
import { protocolErrorCheck } from '../../src/suites/protocol-error-probe.js'
import { check, runSuite } from './harness.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('heartbeat-monitoring counts unanswered pings', () => {
  it('fails ping-pong and p99 against a server that answers every other ping', async () => {
    server = await startHalfPongServer()
    const { result } = await runSuite('heartbeat-monitoring', server.url, {
      thresholds: { pongTimeoutMs: 200, heartbeatP99Ms: 150 }
    })
    const heartbeat = result.metrics.heartbeat as { sent: number; received: number }
    expect(heartbeat.sent).toBeGreaterThanOrEqual(3)
    expect(heartbeat.received).toBeGreaterThanOrEqual(1)
    expect(heartbeat.received).toBeLessThan(heartbeat.sent)
    expect(check(result, 'ping-pong')).toMatchObject({
      status: 'failed',
      code: 'WSH_ERR_PONG_TIMEOUT',
      value: heartbeat.sent - heartbeat.received
    })
    // The unanswered pings count at the pong timeout, so p99 sees them.
    expect(check(result, 'heartbeat-p99')).toMatchObject({ status: 'failed', value: 200 })
  })

  it('caps a configured ping interval at budget / 3 so three pings fit the budget', () => {
    const config = makeConfig({ testSuites: { 'heartbeat-monitoring': { pingInterval: 15 } } })
    expect(pingIntervalMs({ config, budgetMs: 600 })).toBe(200)
    expect(pingIntervalMs({ config, budgetMs: 60_000 })).toBe(15_000)
  })
})

describe('latency-performance counts lost probes', () => {
  it('puts each lost probe into the percentiles at its timeout', async () => {
    server = await startDroppingServer(3)
    const { result } = await runSuite('latency-performance', server.url, {
      thresholds: { messageTimeoutMs: 100, p50LatencyMs: 50, p95LatencyMs: 50, p99LatencyMs: 50 }
    })
    const probes = result.metrics.probes as { sent: number; replies: number }
    expect(probes.sent).toBeGreaterThanOrEqual(3)
    expect(check(result, 'latency-p95')).toMatchObject({
      status: 'failed',
      value: 100,
      code: 'WSH_ERR_MESSAGE_TIMEOUT'
    })
  })

  it('applies thresholds.successRate to the share of sampled probes answered', async () => {
    server = await startDroppingServer(10)
    const strict = await runSuite('latency-performance', server.url, {
      thresholds: { messageTimeoutMs: 50, successRate: 0.95, degradedMargin: 0 }
    })
    const sent = (strict.result.metrics.probes as { sent: number }).sent
    expect(sent).toBeGreaterThanOrEqual(10)
    // Every 10th probe is dropped: from 10 probes on, at most 18 of 19 (0.947) are answered.
    const rate = check(strict.result, 'probe-success-rate')
    expect(rate.status).toBe('failed')
    expect(rate.value).toBeLessThan(0.95)
    expect(rate.value).toBeGreaterThanOrEqual(0.9)
    await server.close()
    server = await startDroppingServer(10)
    const lenient = await runSuite('latency-performance', server.url, {
      thresholds: { messageTimeoutMs: 50, successRate: 0.8, degradedMargin: 0 }
    })
    expect(check(lenient.result, 'probe-success-rate').status).toBe('passed')
  })

  it('does not call sub-millisecond growth degradation, but does call growth past the floor', () => {
    const thresholds = { maxDegradation: 0.5, degradedMargin: 0 }
    const trend = (first: number, last: number) => ({
      slopeMsPerSec: 0,
      r2: 0,
      firstWindowMedian: first,
      lastWindowMedian: last,
      relativeChange: (last - first) / first,
      count: 100
    })
    // 0.05 ms -> 0.5 ms is +900 %, but half a millisecond is loopback noise.
    expect(degradationCheck(trend(0.05, 0.5), 100, thresholds)).toMatchObject({
      status: 'passed',
      value: 9
    })
    expect(degradationCheck(trend(10, 10 + MIN_DEGRADATION_MS + 5), 100, thresholds).status).toBe(
      'failed'
    )
    expect(degradationCheck(trend(10, 12), 100, thresholds).status).toBe('passed')
  })
})

describe('message-delivery judges what it measured', () => {
  it('under json with replies that carry no id: matched replies, order skipped', async () => {
    server = await startNoIdPongServer()
    const { result } = await runSuite('message-delivery', server.url, {
      protocol: 'json',
      thresholds: { messageTimeoutMs: 2_000 }
    })
    // Text and JSON probes are the same template bytes under json: one check.
    expect(check(result, 'json-round-trip')).toMatchObject({
      status: 'passed',
      value: 1,
      title: 'JSON probe answered'
    })
    // No id came back: the check says the reply could not be tied to its probe.
    expect(check(result, 'json-round-trip').message).not.toMatch(/came back intact/)
    expect(check(result, 'json-round-trip').message).toContain('intact unverified')
    expect(check(result, 'order-preserved')).toMatchObject({
      status: 'skipped',
      message: expect.stringContaining('first in first out')
    })
  })
})

describe('connection-lifecycle no-leaks measures the service', () => {
  it('reports a conformance finding when the service completes the close handshake but keeps TCP open', async () => {
    server = await startHalfOpenServer()
    const { result } = await runSuite('connection-lifecycle', server.url)
    expect(check(result, 'graceful-close').status).toBe('passed')
    const leaks = check(result, 'no-leaks')
    // RFC 6455 7.1.1 makes closing TCP first a SHOULD: a finding, never a close timeout.
    expect(leaks).toMatchObject({ status: 'degraded', conformance: true, code: 'WSH_ERR_PROTOCOL' })
    expect(leaks.message).toContain('RFC 6455 7.1.1')
    expect(result.status).toBe('degraded')
    expect(leaks.value).toBeGreaterThanOrEqual(1)
    expect(result.metrics.leaks).toMatchObject({ keptOpenByService: leaks.value })
  }, 20_000)
})

describe('protocol-error probe bounds the send', () => {
  it('fails in bounded time when sending the invalid frame never completes', async () => {
    let closed = false
    const hanging = {
      label: 'hanging',
      readyState: 'OPEN',
      stats: { errors: 0 },
      closed: new Promise(() => undefined),
      sendTextBytes: () => new Promise<void>(() => undefined),
      close: () => {
        closed = true
        return Promise.resolve({ code: 1000, reason: '', wasClean: true, initiatedBy: 'client' })
      },
      terminate: () => undefined
    } as unknown as Connection
    const result = await protocolErrorCheck(
      { connect: () => Promise.resolve(hanging), signal: new AbortController().signal },
      { closeWithinMs: 100 }
    )
    expect(result).toMatchObject({ status: 'failed', code: 'WSH_ERR_PROTOCOL' })
    expect(closed).toBe(true)
  }, 3_000)
})
