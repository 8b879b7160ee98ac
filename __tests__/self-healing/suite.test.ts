import { describe, it, expect, afterEach } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { check, runSuite, statuses } from '../suites/harness.js'
import { echo, startServer, type TestServer } from '../reconnect/servers.js'

/** An echo service that serves its first connection, then stops listening for good. */
async function startOneShotServer(): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ noServer: true })
  const http: Server = createServer()
  http.on('upgrade', (request, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => {
      echo(ws)
      ws.on('error', () => undefined)
      http.close() // no new connections, ever: the outage never ends
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    close: async () => {
      for (const ws of wss.clients) ws.terminate()
      wss.close()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    }
  }
}

/** A quicker policy for tests that do not look at the default curve. */
const FAST = { initialDelayMs: 20, maxDelayMs: 400, breakerResetMs: 100 }

describe('self-healing suite', () => {
  let reference: ReferenceServer | undefined
  let test: TestServer | undefined
  let oneShot: { close(): Promise<void> } | undefined
  afterEach(async () => {
    await reference?.close()
    await test?.close()
    await oneShot?.close().catch(() => undefined)
    reference = undefined
    test = undefined
    oneShot = undefined
  })

  it('passes against the reference server with resume on, state kept and nothing lost', async () => {
    reference = await startReferenceServer({ resume: true })
    const { result } = await runSuite('self-healing', reference.url)
    expect(statuses(result)).toEqual({ 'restart-recovery': expect.stringContaining('skipped') })
    expect(result.status).toBe('passed')
    expect(result.critical).toBe(true)
    expect(check(result, 'session-resume').value).toBe(true)
    expect(check(result, 'messages-lost').value).toBe(0)
    expect(check(result, 'gives-up').message).toContain(
      'Reconnection attempts exceeded maximum (5)'
    )
    expect(String(check(result, 'circuit-breaker').value)).toMatch(
      /^closed>open>.*half-open>closed$/
    )
    expect(result.metrics).toMatchObject({
      forcedReconnections: 3,
      messagesLost: 0,
      recoveryTimeMs: { avg: expect.any(Number), max: expect.any(Number) },
      resume: { via: 'query', survived: true }
    })
    expect(reference.stats.resumed).toBeGreaterThanOrEqual(3)
    // Recovery is the service's time; the client's backoff sleep is reported beside it.
    const steps = result.metrics.recoverySteps as {
      recoveryMs: number
      backoffSleepMs: number
      pathRefusedMs: number
      timeToReconnectMs: number
    }[]
    expect(steps).toHaveLength(3)
    for (const step of steps) {
      expect(step.backoffSleepMs).toBeGreaterThan(0)
      // A direct path refuses nothing on its own account.
      expect(step.pathRefusedMs).toBe(0)
      expect(step.recoveryMs + step.backoffSleepMs).toBeCloseTo(step.timeToReconnectMs, 6)
    }
    const slowest = Math.max(...steps.map((step) => step.recoveryMs))
    expect(check(result, 'reconnect-time').value).toBe(slowest)
    expect((result.metrics.recoveryTimeMs as { max: number }).max).toBe(slowest)
  }, 30_000)

  it('skips the resume check when the service offers no token', async () => {
    reference = await startReferenceServer()
    const { result } = await runSuite('self-healing', reference.url, {
      selfHealing: { ...FAST, kills: 1, messages: 5 }
    })
    expect(check(result, 'session-resume')).toMatchObject({
      status: 'skipped',
      message: 'service offers no resume token'
    })
    expect(check(result, 'messages-lost').status).toBe('passed')
  }, 30_000)

  it('fails the reconnect check when the service never comes back', async () => {
    const server = await startOneShotServer()
    oneShot = server
    const { result } = await runSuite('self-healing', server.url)
    const reconnect = check(result, 'reconnect-time')
    expect(reconnect.status).toBe('failed')
    expect(reconnect.code).toBe('WSH_ERR_RECONNECT_EXHAUSTED')
    expect(reconnect.message).toContain('kill 1 of 3 not healed')
    expect(reconnect.message).toContain('Reconnection attempts exceeded maximum (5)')
    expect(result.status).toBe('failed')
    // gives-up judges ws-health's own client, not the service: client resilience, degraded at most.
    expect(check(result, 'gives-up')).toMatchObject({ status: 'degraded', scope: 'client' })
  }, 30_000)

  it('reports the reconnections and recovery times of a service that kills every connection', async () => {
    test = await startServer((ws) => {
      echo(ws)
      setTimeout(() => ws.terminate(), 150)
    })
    const { result } = await runSuite('self-healing', test.url, {
      selfHealing: { ...FAST, kills: 2, messages: 20 }
    })
    const metrics = result.metrics as {
      reconnections: number
      unforcedDrops: number
      recoveryTimeMs: { avg: number; max: number }
    }
    expect(metrics.unforcedDrops).toBeGreaterThanOrEqual(1)
    expect(metrics.reconnections).toBeGreaterThan(2)
    expect(metrics.recoveryTimeMs.max).toBeGreaterThanOrEqual(metrics.recoveryTimeMs.avg)
    expect(check(result, 'reconnect-time').status).toBe('passed')
    expect(check(result, 'messages-lost').value).toBe(0)
  }, 30_000)

  it('under the json protocol counts acks by the echoed id', async () => {
    reference = await startReferenceServer()
    const { result } = await runSuite('self-healing', reference.url, {
      protocol: 'json',
      selfHealing: { ...FAST, kills: 2, messages: 10 }
    })
    expect(check(result, 'messages-lost')).toMatchObject({ status: 'passed', value: 0 })
    expect(check(result, 'reconnect-time').status).toBe('passed')
  }, 30_000)

  it('skips the loss check under json when the service does not echo the id', async () => {
    test = await startServer((ws) => {
      ws.on('message', () => ws.send(JSON.stringify({ type: 'pong' })))
    })
    const { result } = await runSuite('self-healing', test.url, {
      protocol: 'json',
      selfHealing: { ...FAST, kills: 1 }
    })
    expect(check(result, 'messages-lost')).toMatchObject({ status: 'skipped' })
    expect(check(result, 'messages-lost').message).toContain('did not echo the message id (id)')
    expect(check(result, 'reconnect-time').status).toBe('passed')
  }, 30_000)
})
