/**
 * Each of the four suites passes against the reference server (ws) and a
 * second implementation (faye-websocket), with both probe protocols.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { SuiteId } from '../../src/engine/model.js'
import { startReferenceServer } from '../../src/server/reference-server.js'
import type { TestServer } from '../fixtures/ws-server.js'
import { startFayeServer } from '../fixtures/second-implementation.js'
import { protocolErrorCheck } from '../../src/suites/protocol-error-probe.js'
import { makeConfig } from '../fixtures/builders.js'
import { check, runAll, runSuite, statuses, wireClient } from './harness.js'

const SUITE_IDS: SuiteId[] = [
  'connection-lifecycle',
  'message-delivery',
  'heartbeat-monitoring',
  'latency-performance'
]

const IMPLEMENTATIONS: [string, () => Promise<TestServer>][] = [
  ['reference server (ws)', () => startReferenceServer()],
  ['faye-websocket', () => startFayeServer()]
]

describe.each(IMPLEMENTATIONS)('against the %s', (_name, start) => {
  let server: TestServer
  beforeEach(async () => {
    server = await start()
  })
  afterEach(async () => {
    await server.close()
  })

  it.each(SUITE_IDS)('%s passes with protocol echo', async (id) => {
    const { result } = await runSuite(id, server.url)
    // Anything that did not pass must be a skip with its reason (e.g. binary under protocol json).
    const notPassed = Object.entries(statuses(result))
    expect(notPassed.filter(([, status]) => !status.startsWith('skipped:'))).toEqual([])
    expect(result.status).toBe('passed')
    expect(result.checks.filter((c) => c.status === 'passed').length).toBeGreaterThan(0)
  })

  it.each(SUITE_IDS)('%s passes with protocol json', async (id) => {
    const { result } = await runSuite(id, server.url, { protocol: 'json' })
    expect(result.status).toBe('passed')
  })
})

describe('what the suites measure against the reference server', () => {
  let server: TestServer
  beforeEach(async () => {
    server = await startReferenceServer()
  })
  afterEach(async () => {
    await server.close()
  })

  it('connection-lifecycle records the handshake and sees every state and the 1000 close', async () => {
    const { result } = await runSuite('connection-lifecycle', server.url)
    expect(result.metrics.handshake).toMatchObject({ status: 101, subprotocol: '' })
    expect(check(result, 'state-transitions').value).toBe('CONNECTING->OPEN->CLOSING->CLOSED')
    expect(check(result, 'graceful-close').value).toBe(1000)
    expect(check(result, 'no-leaks').value).toBe(0)
    expect(check(result, 'connection-reuse').value).toBe(1)
  })

  it('message-delivery carries every payload kind, keeps order and sees a 1007 close on invalid UTF-8', async () => {
    const { result } = await runSuite('message-delivery', server.url)
    for (const id of [
      'text-round-trip',
      'json-round-trip',
      'binary-round-trip',
      'large-round-trip'
    ]) {
      expect(check(result, id).status).toBe('passed')
    }
    expect(check(result, 'delivery-rate').value).toBe(1)
    expect(check(result, 'order-preserved').value).toBe(0)
    // The probe runs after every suite (src/run/protocol-violations.ts): called directly here.
    const { connect } = wireClient(server.url, makeConfig({ url: server.url }))
    const probe = await protocolErrorCheck({ connect, signal: new AbortController().signal })
    expect(probe).toMatchObject({ status: 'passed', value: 1007 })
  })

  it('message-delivery skips binary and large under protocol json, with the reason', async () => {
    const { result } = await runSuite('message-delivery', server.url, { protocol: 'json' })
    expect(check(result, 'binary-round-trip')).toMatchObject({
      status: 'skipped',
      message: expect.stringContaining('json')
    })
    expect(check(result, 'large-round-trip').status).toBe('skipped')
  })

  it('heartbeat-monitoring honours ping_interval and scores health', async () => {
    const { result } = await runSuite('heartbeat-monitoring', server.url, {
      testSuites: { 'heartbeat-monitoring': { pingInterval: 0.1 } }
    })
    expect(result.metrics.heartbeat).toMatchObject({ intervalMs: 100 })
    const heartbeat = result.metrics.heartbeat as { sent: number; received: number }
    expect(heartbeat.sent).toBeGreaterThanOrEqual(3)
    expect(heartbeat.received).toBe(heartbeat.sent)
    expect(check(result, 'health-score').value).toBe(100)
    expect(check(result, 'app-heartbeat').status).toBe('skipped')
    // Within the budget: nothing capped, nothing said about it.
    expect(check(result, 'heartbeat-success-rate').message).not.toContain('capped')
  })

  it('heartbeat-monitoring says when a ping_interval too long for its budget was capped', async () => {
    const { result } = await runSuite(
      'heartbeat-monitoring',
      server.url,
      { testSuites: { 'heartbeat-monitoring': { pingInterval: 15 } } },
      { durationMs: 600 }
    )
    expect(result.metrics.heartbeat).toMatchObject({
      intervalMs: 200,
      configuredIntervalMs: 15_000
    })
    expect(check(result, 'heartbeat-success-rate').message).toContain(
      "ping_interval 15 s capped to 200 ms so 3 pings fit the suite's 600 ms share of duration"
    )
  })

  it('all four suites in one run share the duration and pass', async () => {
    const { runs } = await runAll(server.url, { suites: SUITE_IDS })
    expect(runs.suites.map((s) => [s.id, s.status])).toEqual(SUITE_IDS.map((id) => [id, 'passed']))
    expect(runs.status).toBe('passed')
  })

  it('latency-performance reports percentiles, throughput and a trend', async () => {
    const { result } = await runSuite('latency-performance', server.url)
    const latency = result.metrics.latencyMs as { count: number; p50: number }
    expect(latency.count).toBeGreaterThanOrEqual(10)
    const throughput = result.metrics.throughput as { msgsPerSec: number; replies: number }
    expect(throughput.replies).toBe(latency.count)
    expect(throughput.msgsPerSec).toBeGreaterThan(0)
    expect(check(result, 'probe-success-rate')).toMatchObject({ status: 'passed', value: 1 })
    // Loopback latency is microseconds: growth below MIN_DEGRADATION_MS is noise, not degradation.
    expect(check(result, 'no-degradation').status).toBe('passed')
  })
})
