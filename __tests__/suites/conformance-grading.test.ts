/**
 * Suites grade what the service can be blamed for (RFC 6455 MUST vs SHOULD)
 * against fixtures that are healthy but not pedantic: each asserts the
 * verdict and the reason.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import {
  startEmptyPongServer,
  startKeepalivePongServer,
  startNoStatusCloseServer
} from '../fixtures/conformance-servers.js'
import type { TestServer } from '../fixtures/ws-server.js'
import { gracefulCloseCheck } from '../../src/suites/connection-lifecycle.js'
import { check, runSuite, statuses } from './harness.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('graceful close', () => {
  it('passes a close reply with no status code (1005) as a clean close', async () => {
    server = await startNoStatusCloseServer()
    const { result } = await runSuite('connection-lifecycle', server.url)
    const close = check(result, 'graceful-close')
    expect(close).toMatchObject({ status: 'passed', value: 1005 })
    expect(close.message).toContain(
      'close reply without a status code (1005), a clean close (RFC 6455 7.1.5)'
    )
    expect(statuses(result)).toEqual({})
    expect(result.status).toBe('passed')
  }, 20_000)
})

describe('gracefulCloseCheck tags a close that finished in time by what went wrong', () => {
  const info = { reason: '', initiatedBy: 'client' as const, serverClosedTcp: true }
  it('a wrong code is a protocol error, not a close timeout', () => {
    expect(gracefulCloseCheck({ ...info, code: 1011, wasClean: true })).toMatchObject({
      status: 'failed',
      code: 'WSH_ERR_PROTOCOL'
    })
  })
  it('a dropped TCP connection is a lost connection, not a close timeout', () => {
    expect(gracefulCloseCheck({ ...info, code: 1006, wasClean: false })).toMatchObject({
      status: 'failed',
      code: 'WSH_ERR_CONNECTION_LOST'
    })
  })
})

describe('pong payload', () => {
  it('empty-payload pongs keep the heartbeat alive and are a conformance finding naming RFC 6455 5.5.3', async () => {
    server = await startEmptyPongServer()
    const { result } = await runSuite('heartbeat-monitoring', server.url, {
      thresholds: { pongTimeoutMs: 400 }
    })
    const heartbeat = result.metrics.heartbeat as { sent: number; received: number }
    expect(heartbeat.sent).toBeGreaterThanOrEqual(3)
    expect(heartbeat.received).toBe(heartbeat.sent)
    expect(check(result, 'ping-pong')).toMatchObject({ status: 'passed', value: 0 })
    const finding = check(result, 'pong-payload')
    expect(finding).toMatchObject({
      status: 'degraded',
      conformance: true,
      value: heartbeat.sent,
      code: 'WSH_ERR_PROTOCOL'
    })
    expect(finding.message).toMatch(/^pong payload does not match the ping, RFC 6455 5\.5\.3/)
    expect(result.status).toBe('degraded')
  }, 20_000)

  it('unsolicited keepalive pongs before the real answer are no finding', async () => {
    server = await startKeepalivePongServer(5)
    const { result } = await runSuite('heartbeat-monitoring', server.url, {
      thresholds: { pongTimeoutMs: 2_000 }
    })
    expect(check(result, 'ping-pong').status).toBe('passed')
    expect(result.checks.map((c) => c.id)).not.toContain('pong-payload')
    // Each ping's RTT is its echo's, never the keepalive's.
    const rtt = result.metrics.pongRttMs as { max: number; p50: number }
    expect(rtt.p50).toBeGreaterThanOrEqual(5)
  }, 20_000)
})
