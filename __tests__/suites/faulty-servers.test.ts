/**
 * Each suite fails for the right reason against a purpose-built faulty
 * service: no pong, dropped messages, reordered replies, slow replies, a
 * refused upgrade, a closed port and a silent listener.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import type { SuiteId } from '../../src/engine/model.js'
import {
  startDroppingServer,
  startMuteServer,
  startNoPongServer,
  startRefusingServer,
  startReorderingServer,
  startSlowServer,
  answer
} from '../fixtures/faulty-servers.js'
import {
  closedPortUrl,
  startSilentServer,
  startWsServer,
  type TestServer
} from '../fixtures/ws-server.js'
import { check, runSuite } from './harness.js'

/** Small limits so a fault shows up in milliseconds, not the seed's seconds. */
const FAST_LIMITS = { thresholds: { messageTimeoutMs: 400, pongTimeoutMs: 200 } }
/**
 * For runs where every answer is expected: generous limits cost nothing
 * (answers come at once), and a loaded machine cannot turn a slow healthy
 * reply into a false failure.
 */
const GENEROUS_LIMITS = { thresholds: { messageTimeoutMs: 5_000, pongTimeoutMs: 2_000 } }

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('heartbeat-monitoring against a server that never answers ping', () => {
  it('fails the pong check with WSH_ERR_PONG_TIMEOUT and the success rate with 0', async () => {
    server = await startNoPongServer()
    const { result } = await runSuite('heartbeat-monitoring', server.url, FAST_LIMITS)
    expect(result.status).toBe('failed')
    expect(check(result, 'ping-pong')).toMatchObject({
      status: 'failed',
      code: 'WSH_ERR_PONG_TIMEOUT'
    })
    expect(check(result, 'ping-pong').message).toMatch(/no pong .* within 200 ms/)
    expect(check(result, 'heartbeat-success-rate')).toMatchObject({ status: 'failed', value: 0 })
    expect(check(result, 'health-score').status).toBe('failed')
  })
})

describe('heartbeat-monitoring against a server that hangs up after its first pong', () => {
  it('fails: the heartbeats still due are missed, one pong does not pass the suite', async () => {
    server = await startWsServer(
      () => answer,
      { autoPong: false },
      {
        onSocket(socket) {
          socket.on('ping', (data: Buffer) => {
            socket.pong(data)
            setImmediate(() => socket.terminate())
          })
        }
      }
    )
    const { result } = await runSuite('heartbeat-monitoring', server.url, GENEROUS_LIMITS)
    expect(result.status).toBe('failed')
    expect(check(result, 'ping-pong')).toMatchObject({ status: 'failed' })
    // Seen before the next ping is due, or (on a loaded machine) while that ping waits.
    expect(check(result, 'ping-pong').message).toMatch(/closed by the service|closed \(code 1006\)/)
  })
})

describe('message-delivery against a server that drops every 3rd message', () => {
  it('fails the delivery rate, naming the timeouts', async () => {
    server = await startDroppingServer(3)
    // Each wave with a dropped probe waits out one timeout: 400 ms keeps the
    // run short while leaving the answered probes (and the 1.1 MB one) ample time.
    const { result } = await runSuite('message-delivery', server.url, {
      thresholds: { messageTimeoutMs: 400 }
    })
    expect(result.status).toBe('failed')
    const rate = check(result, 'delivery-rate')
    expect(rate).toMatchObject({ status: 'failed', code: 'WSH_ERR_MESSAGE_TIMEOUT' })
    // Exactly every 3rd message is dropped: 33 or 34 of the 100 delivery probes.
    expect(rate.value).toBeGreaterThanOrEqual(0.66)
    expect(rate.value).toBeLessThanOrEqual(0.67)
    const timeout = check(result, 'message-timeout')
    expect(timeout).toMatchObject({ status: 'failed', code: 'WSH_ERR_MESSAGE_TIMEOUT' })
    expect(timeout.value).toBeGreaterThanOrEqual(33)
  })
})

describe('message-delivery against a server that swaps pairs of replies', () => {
  it('fails the ordering check while every reply still arrives', async () => {
    server = await startReorderingServer()
    const { result } = await runSuite('message-delivery', server.url, GENEROUS_LIMITS)
    expect(result.status).toBe('failed')
    const order = check(result, 'order-preserved')
    expect(order).toMatchObject({ status: 'failed', value: 3 })
    expect(order.message).toMatch(/out of order/)
    expect(check(result, 'delivery-rate').value).toBe(1)
  })
})

describe('latency-performance against a server that answers after 100 ms', () => {
  it('fails p50 and p95 against 20 ms limits', async () => {
    server = await startSlowServer(100)
    const { result } = await runSuite('latency-performance', server.url, {
      thresholds: { p50LatencyMs: 20, p95LatencyMs: 20, p99LatencyMs: 20 }
    })
    expect(result.status).toBe('failed')
    expect(check(result, 'latency-p50').status).toBe('failed')
    // A timer may fire up to 1 ms early against the monotonic clock: 100 ms reads 99.9.
    expect(check(result, 'latency-p50').value).toBeGreaterThanOrEqual(99)
    expect(check(result, 'latency-p95').status).toBe('failed')
    // Slow, not lossy: every sampled probe was answered.
    expect(check(result, 'probe-success-rate')).toMatchObject({ status: 'passed', value: 1 })
  })

  it('passes the same run against 300 ms limits (the delay is what failed it)', async () => {
    server = await startSlowServer(100)
    const { result } = await runSuite('latency-performance', server.url, {
      thresholds: { p50LatencyMs: 300, p95LatencyMs: 300, p99LatencyMs: 300 }
    })
    expect(check(result, 'latency-p50').status).toBe('passed')
  })
})

const ALL: SuiteId[] = [
  'connection-lifecycle',
  'message-delivery',
  'heartbeat-monitoring',
  'latency-performance'
]

describe('a server that refuses the upgrade with HTTP 503', () => {
  it('fails connection-lifecycle with "HTTP 503" in the handshake check', async () => {
    server = await startRefusingServer(503)
    const { result } = await runSuite('connection-lifecycle', server.url)
    expect(result.status).toBe('failed')
    expect(check(result, 'handshake')).toMatchObject({
      status: 'failed',
      code: 'WSH_ERR_HANDSHAKE_REJECTED',
      message: expect.stringContaining('HTTP 503')
    })
    // Non-empty first: an every()/loop over nothing would pass vacuously.
    expect(result.checks.length).toBeGreaterThan(0)
    expect(result.checks.every((c) => c.status === 'failed')).toBe(true)
  })

  it.each(ALL)('fails %s with the rejection as the reason', async (id) => {
    server = await startRefusingServer(503)
    const { result } = await runSuite(id, server.url)
    expect(result.status).toBe('failed')
    expect(result.checks[0].message).toContain('HTTP 503')
  })
})

describe('a closed port', () => {
  it.each(ALL)('fails %s with the connection error, without hanging', async (id) => {
    const url = await closedPortUrl()
    const { result } = await runSuite(id, url)
    expect(result.status).toBe('failed')
    expect(result.checks[0]).toMatchObject({
      code: 'WSH_ERR_CONNECT',
      message: expect.stringContaining('ECONNREFUSED')
    })
  })
})

describe('a server that accepts TCP but never answers the handshake', () => {
  it('fails connection-lifecycle with WSH_ERR_HANDSHAKE_TIMEOUT within the handshake timeout', async () => {
    server = await startSilentServer()
    const { result } = await runSuite('connection-lifecycle', server.url, {
      handshakeTimeoutMs: 200
    })
    expect(result.status).toBe('failed')
    expect(check(result, 'handshake')).toMatchObject({ code: 'WSH_ERR_HANDSHAKE_TIMEOUT' })
  })
})

describe('a server that completes the handshake but never answers a message', () => {
  const MESSAGE_SUITES: SuiteId[] = [
    'connection-lifecycle',
    'message-delivery',
    'latency-performance'
  ]

  it.each(MESSAGE_SUITES)('fails %s with a message timeout, before its deadline', async (id) => {
    server = await startMuteServer()
    const { result } = await runSuite(id, server.url, FAST_LIMITS, { suiteGraceMs: 3_000 })
    expect(result.status).toBe('failed')
    expect(result.checks.some((c) => c.code === 'WSH_ERR_MESSAGE_TIMEOUT')).toBe(true)
    expect(result.checks.some((c) => c.code === 'WSH_ERR_DEADLINE')).toBe(false)
  })

  it.each(MESSAGE_SUITES)(
    'never blames %s on ws-health itself (no WSH_ERR_INTERNAL)',
    async (id) => {
      server = await startMuteServer()
      const { result } = await runSuite(id, server.url, FAST_LIMITS, { suiteGraceMs: 3_000 })
      const failed = result.checks.filter((c) => c.status === 'failed')
      expect(failed.length).toBeGreaterThan(0)
      expect(failed.filter((c) => c.code === undefined || c.code === 'WSH_ERR_INTERNAL')).toEqual(
        []
      )
    }
  )

  it('passes heartbeat-monitoring under protocol echo: RFC 6455 pings still work', async () => {
    server = await startMuteServer()
    const { result } = await runSuite('heartbeat-monitoring', server.url, GENEROUS_LIMITS)
    expect(result.status).toBe('passed')
    expect(check(result, 'app-heartbeat').status).toBe('skipped')
  })

  it('fails the application-level heartbeat under protocol json', async () => {
    server = await startMuteServer()
    const { result } = await runSuite('heartbeat-monitoring', server.url, {
      thresholds: { messageTimeoutMs: 100 },
      protocol: 'json'
    })
    expect(result.status).toBe('failed')
    expect(check(result, 'app-heartbeat')).toMatchObject({
      status: 'failed',
      value: 0,
      code: 'WSH_ERR_MESSAGE_TIMEOUT'
    })
  })
})
