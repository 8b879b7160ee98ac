/**
 * Payload integrity in the suites: corrupted echoes are never answers,
 * duplicated replies degrade the run, replies delivered to the wrong
 * connection (cross-talk) fail it; the reference server passes all three.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { startReferenceServer } from '../../src/server/reference-server.js'
import type { TestServer } from '../fixtures/ws-server.js'
import {
  startBroadcastEchoServer,
  startCorruptingServer,
  startDuplicatingServer,
  startSwappingServer
} from '../fixtures/integrity-servers.js'
import { check, runSuite } from './harness.js'

/** Every answer is expected at once: generous limits keep a loaded machine from failing a healthy reply. */
const GENEROUS = { thresholds: { messageTimeoutMs: 5_000, pongTimeoutMs: 2_000 } }
/** Where replies go missing (misrouted), a short timeout keeps the run quick. */
const FAST = { thresholds: { messageTimeoutMs: 400, pongTimeoutMs: 400 } }

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('a server that corrupts every echo', () => {
  it('message-delivery fails each payload and the delivery rate as corrupted, not as timed out', async () => {
    server = await startCorruptingServer()
    const { result, recorder } = await runSuite('message-delivery', server.url, GENEROUS)
    expect(result.status).toBe('failed')
    for (const id of ['text-round-trip', 'json-round-trip', 'binary-round-trip']) {
      expect(check(result, id)).toMatchObject({ status: 'failed', code: 'WSH_ERR_CORRUPTED_REPLY' })
      expect(check(result, id).message).toContain('came back corrupted')
    }
    const rate = check(result, 'delivery-rate')
    expect(rate).toMatchObject({ status: 'failed', value: 0, code: 'WSH_ERR_CORRUPTED_REPLY' })
    expect(rate.message).toMatch(/\d+ replies came back corrupted/)
    // Corrupted replies arrived in time: the timeout check does not call them missing.
    expect(check(result, 'message-timeout').value).toBe(0)
    const metrics = recorder.toRunMetrics()
    expect(metrics.corrupted).toBeGreaterThan(0)
    expect(metrics.messagesReceived).toBe(0)
    expect(metrics.latencyMs.count).toBe(0)
    expect(metrics.deliveryRate).toBe(0)
    expect((result.metrics.integrity as { corrupted: number }).corrupted).toBe(metrics.corrupted)
  })

  it('latency-performance takes no latency sample from a corrupted reply and says why', async () => {
    server = await startCorruptingServer(2)
    const { result, recorder } = await runSuite('latency-performance', server.url, GENEROUS)
    const success = check(result, 'probe-success-rate')
    expect(success.status).not.toBe('passed')
    expect(success.message).toMatch(/\d+ replies came back corrupted/)
    const counters = recorder.counters
    expect(counters.corrupted).toBeGreaterThan(0)
    // Only the intact half of the replies were sampled.
    expect(recorder.latency.count).toBe(counters.intactReplies)
  })
})

describe('a server that sends every reply twice', () => {
  it('message-delivery counts the duplicates and degrades, nothing else fails', async () => {
    server = await startDuplicatingServer()
    const { result } = await runSuite('message-delivery', server.url, GENEROUS)
    const duplicates = check(result, 'no-duplicates')
    expect(duplicates.status).toBe('degraded')
    expect(duplicates.code).toBe('WSH_ERR_DUPLICATE_REPLY')
    expect(duplicates.value as number).toBeGreaterThan(0)
    expect(duplicates.message).toMatch(/replies arrived a second time/)
    expect(result.status).toBe('degraded')
    expect((result.metrics.integrity as { duplicates: number }).duplicates).toBe(duplicates.value)
  })

  it('concurrent-connections degrades on no-duplicates', async () => {
    server = await startDuplicatingServer()
    const { result } = await runSuite('concurrent-connections', server.url, {
      ...GENEROUS,
      connectionCount: 4
    })
    expect(check(result, 'no-duplicates').status).toBe('degraded')
    expect(check(result, 'no-cross-talk').status).toBe('passed')
  })
})

describe.each([
  ['a broadcast-to-all echo', startBroadcastEchoServer],
  ['a server that swaps replies between connections', startSwappingServer]
])('%s (cross-talk)', (_name, start) => {
  it('concurrent-connections fails no-cross-talk with the count and the reason', async () => {
    server = await start()
    const { result, recorder } = await runSuite('concurrent-connections', server.url, {
      ...FAST,
      connectionCount: 4
    })
    const crossTalk = check(result, 'no-cross-talk')
    expect(crossTalk).toMatchObject({ status: 'failed', code: 'WSH_ERR_CROSS_TALK' })
    expect(crossTalk.value as number).toBeGreaterThan(0)
    expect(crossTalk.message).toContain('arrived on a connection that did not send the probe')
    expect(result.status).toBe('failed')
    expect(recorder.toRunMetrics().crossTalk).toBe(crossTalk.value)
  })
})

describe('the reference server', () => {
  it('passes no-cross-talk and no-duplicates in concurrent-connections', async () => {
    server = await startReferenceServer()
    const { result, recorder } = await runSuite('concurrent-connections', server.url, {
      ...GENEROUS,
      connectionCount: 4
    })
    expect(check(result, 'no-cross-talk')).toMatchObject({ status: 'passed', value: 0 })
    expect(check(result, 'no-duplicates')).toMatchObject({ status: 'passed', value: 0 })
    expect(recorder.toRunMetrics()).toMatchObject({ corrupted: 0, duplicates: 0, crossTalk: 0 })
  })

  it('skips no-cross-talk under protocol json, saying why', async () => {
    server = await startReferenceServer()
    const { result } = await runSuite('concurrent-connections', server.url, {
      ...GENEROUS,
      connectionCount: 4,
      protocol: 'json'
    })
    const crossTalk = check(result, 'no-cross-talk')
    expect(crossTalk.status).toBe('skipped')
    expect(crossTalk.message).toContain('no per-connection nonce')
  })
})
