import { describe, it, expect, afterEach } from '@jest/globals'
import { startReferenceServer } from '../../src/server/reference-server.js'
import {
  startDroppingOnceServer,
  startRefusingAfterServer,
  startUnfairServer,
  type LoadServer
} from '../fixtures/load-servers.js'
import { check, runSuite, statuses } from '../suites/harness.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

describe('concurrent-connections suite', () => {
  it('opens 200 connections to the reference server, serves them all fairly and passes', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    const { result, recorder } = await runSuite(
      'concurrent-connections',
      server.url,
      { connectionCount: 200, openRatePerSec: 2000 },
      { durationMs: 1600 }
    )
    expect({ status: result.status, checks: statuses(result) }).toEqual({
      status: 'passed',
      checks: expect.any(Object)
    })
    expect(check(result, 'all-opened').value).toBe(200)
    expect(check(result, 'no-drops').value).toBe(0)
    expect(check(result, 'all-served').value).toBe(200)
    expect(server.stats.connections).toBe(200)
    const perConnection = result.metrics.perConnection as { mode: string; count: number }
    expect(perConnection).toMatchObject({ mode: 'summarised', count: 200 })
    // The probes the suite counted are the messages the server saw.
    const probes = result.metrics.probes as { sent: number; replies: number }
    expect(probes.replies).toBeGreaterThan(200)
    expect(recorder.counters.messagesReceived).toBe(probes.replies)
    expect(server.stats.messagesReceived).toBe(probes.sent)
  }, 30_000)

  it('lists each connection when there are few', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    const { result } = await runSuite('concurrent-connections', server.url, {
      connectionCount: 5
    })
    const perConnection = result.metrics.perConnection as {
      mode: string
      connections: { label: string; sent: number; received: number; heartbeats: unknown }[]
    }
    expect(perConnection.mode).toBe('detailed')
    expect(perConnection.connections.map((c) => c.label).sort()).toEqual([
      'conn_1',
      'conn_2',
      'conn_3',
      'conn_4',
      'conn_5'
    ])
    for (const row of perConnection.connections) expect(row.received).toBeGreaterThan(0)
    expect(result.status).toBe('passed')
  }, 20_000)

  it('fails all-opened with the count when the service refuses connections after N', async () => {
    const server: LoadServer = await startRefusingAfterServer(7)
    closers.push(() => server.close())
    const { result } = await runSuite('concurrent-connections', server.url, {
      connectionCount: 20,
      openRatePerSec: 1000
    })
    const opened = check(result, 'all-opened')
    expect(opened.status).toBe('failed')
    expect(opened.value).toBe(7)
    expect(opened.message).toContain('refused connections after 7 opened')
    expect(opened.message).toContain('503')
    expect(result.status).toBe('failed')
  }, 20_000)

  it('fails latency fairness when one connection is served much slower', async () => {
    const server = await startUnfairServer(150)
    closers.push(() => server.close())
    const { result } = await runSuite(
      'concurrent-connections',
      server.url,
      { connectionCount: 12, openRatePerSec: 1000 },
      { durationMs: 1200 }
    )
    const latency = check(result, 'fairness-latency')
    expect(latency.status).toBe('failed')
    expect(latency.value as number).toBeLessThan(0.8)
    expect(check(result, 'all-opened').status).toBe('passed')
    expect(check(result, 'no-drops').status).toBe('passed')
  }, 20_000)

  it('fails no-drops when the service drops a connection, and reconnects it', async () => {
    const server = await startDroppingOnceServer(3)
    closers.push(() => server.close())
    const { result } = await runSuite(
      'concurrent-connections',
      server.url,
      { connectionCount: 4, openRatePerSec: 1000 },
      { durationMs: 1200 }
    )
    const drops = check(result, 'no-drops')
    expect(drops.status).toBe('failed')
    expect(drops.value).toBe(1)
    expect(drops.message).toContain('1006')
    const rows = (
      result.metrics.perConnection as { connections: { label: string; reconnections: number }[] }
    ).connections
    expect(rows.find((row) => row.label === 'conn_1')?.reconnections).toBe(1)
    expect(server.accepted()).toBe(5)
  }, 20_000)

  it('works over the json probe protocol', async () => {
    const server = await startReferenceServer({ banner: true })
    closers.push(() => server.close())
    const { result } = await runSuite('concurrent-connections', server.url, {
      connectionCount: 6,
      protocol: 'json'
    })
    expect({ status: result.status, checks: statuses(result) }).toEqual({
      status: 'passed',
      checks: expect.any(Object)
    })
    expect(server.stats.jsonPings).toBe((result.metrics.probes as { sent: number }).sent)
  }, 20_000)
})
