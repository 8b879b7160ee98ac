/**
 * Probes cut by a deadline are not judged as lost, the lifecycle suite's
 * fixed work is bounded by time against a slow service, and under protocol
 * json the payload checks say what they measured (an answer, not intactness).
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { REUSE_PROBES, POOL_ROUNDS } from '../../src/suites/connection-lifecycle.js'
import { startReferenceServer } from '../../src/server/reference-server.js'
import { startSlowServer } from '../fixtures/faulty-servers.js'
import { type TestServer } from '../fixtures/ws-server.js'
import { protocolErrorCheck } from '../../src/suites/protocol-error-probe.js'
import { makeConfig } from '../fixtures/builders.js'
import { check, runSuite, wireClient } from './harness.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('a slow but correct service', () => {
  it('message-delivery reports no loss for probes cut by the suite deadline', async () => {
    server = await startSlowServer(200)
    // Fixed-work suite: its whole limit is the grace, cut while the delivery waves run.
    const { result } = await runSuite('message-delivery', server.url, {}, { suiteGraceMs: 1_500 })
    const rate = check(result, 'delivery-rate')
    if (rate.status === 'passed') {
      expect(rate.value).toBe(1)
    } else {
      // Cut before a single delivery probe was judged: a deadline, never a loss.
      expect(rate).toMatchObject({ status: 'failed', code: 'WSH_ERR_DEADLINE' })
      expect(rate.message).toContain('cut by the deadline before')
    }
    // Non-empty first: an every()/loop over nothing would pass vacuously.
    expect(result.checks.length).toBeGreaterThan(0)
    for (const c of result.checks) {
      expect([c.id, c.code]).not.toEqual([c.id, 'WSH_ERR_PROTOCOL'])
      expect([c.id, c.code]).not.toEqual([c.id, 'WSH_ERR_CONNECTION_LOST'])
    }
    expect(check(result, 'message-timeout').value).toBe(0)
  })

  it('connection-lifecycle caps its reuse probes by time and judges what it measured', async () => {
    server = await startSlowServer(400)
    const { result } = await runSuite('connection-lifecycle', server.url, {
      thresholds: { messageTimeoutMs: 2_000 }
    })
    const reuse = result.metrics.reuse as { probes: number; poolRounds: number }
    expect(reuse.probes).toBeGreaterThan(0)
    expect(reuse.probes).toBeLessThan(REUSE_PROBES)
    expect(reuse.poolRounds).toBeLessThan(POOL_ROUNDS)
    expect(check(result, 'connection-reuse')).toMatchObject({ status: 'passed', value: 1 })
    expect(check(result, 'connection-reuse').message).toContain('stopped after')
    // The rest of the suite still ran within its limit.
    expect(result.checks.map((c) => c.id)).not.toContain('deadline')
    expect(check(result, 'graceful-close').status).toBe('passed')
  })
})

describe('message-delivery under protocol json', () => {
  it('says the probes were answered, not that content round-tripped intact', async () => {
    server = await startReferenceServer()
    const { result } = await runSuite('message-delivery', server.url, { protocol: 'json' })
    // A text and a JSON probe are the same template bytes under json: one check, not two.
    expect(result.checks.map((c) => c.id)).not.toContain('text-round-trip')
    expect(check(result, 'json-round-trip')).toMatchObject({
      status: 'passed',
      title: 'JSON probe answered'
    })
    expect(check(result, 'json-round-trip').message).toContain("names this probe's id")
    const rate = check(result, 'delivery-rate')
    expect(rate.message).toContain(
      '100 of 100 answered by a matching reply (content not compared: json protocol)'
    )
    expect(rate.message).not.toContain('intact')
    // Any of the protocol-error close codes, or a drop, passes: the threshold names them all. The probe
    // runs after every suite (src/run/protocol-violations.ts), so it is called directly.
    const { connect } = wireClient(server.url, makeConfig({ url: server.url, protocol: 'json' }))
    const probe = await protocolErrorCheck({ connect, signal: new AbortController().signal })
    expect(probe.threshold).toMatchObject({
      op: '==',
      text: 'one of 1002/1003/1007/1008/1009/1011, or a TCP drop'
    })
  })
})
