import { describe, it, expect, afterEach } from '@jest/globals'
import { startReferenceServer } from '../../src/server/reference-server.js'
import type { SuiteResult } from '../../src/engine/model.js'
import {
  startDroppingOnceServer,
  startRefusingAfterServer,
  startStopsReplyingAboveServer,
  startUnfairServer,
  type LoadServer
} from '../fixtures/load-servers.js'
import { check, runSuite } from '../suites/harness.js'

/**
 * Checks whose outcome is a count, whatever the machine's speed. Fairness
 * and latency-stable compare latencies, which a busy runner (2 cores, 2 jest
 * workers, a CPU hog) can skew on a healthy in-process server: tests that
 * do not provoke them only require that they were measured.
 */
const COUNT_CHECKS = ['all-opened', 'no-drops', 'all-served'] as const
const LOAD_CHECKS = ['fairness-throughput', 'fairness-latency', 'latency-stable'] as const

function expectCountsPassedAndLoadMeasured(result: SuiteResult): void {
  const status = (id: string): string => `${id}: ${check(result, id).status}`
  expect(COUNT_CHECKS.map(status)).toEqual(COUNT_CHECKS.map((id) => `${id}: passed`))
  for (const id of LOAD_CHECKS) {
    expect(check(result, id).value).toEqual(expect.any(Number))
    expect(['passed', 'degraded', 'failed']).toContain(check(result, id).status)
  }
}

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

describe('concurrent-connections suite', () => {
  it('opens 200 connections to the reference server, serves them all and measures fairness', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    const { result, recorder } = await runSuite(
      'concurrent-connections',
      server.url,
      { connectionCount: 200, openRatePerSec: 2000 },
      { durationMs: 1600 }
    )
    expectCountsPassedAndLoadMeasured(result)
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
    expectCountsPassedAndLoadMeasured(result)
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
    // 500 ms against a 25 ms floor: Jain's index stays under 0.8 unless the
    // other 11 average over 100 ms, far beyond what a busy runner adds on loopback.
    const server = await startUnfairServer(500)
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
    expectCountsPassedAndLoadMeasured(result)
    expect(server.stats.jsonPings).toBe((result.metrics.probes as { sent: number }).sent)
  }, 20_000)

  it('fails latency-stable, unmeasured, when the last steps get no reply at all', async () => {
    // Ramp 2, 4, 6, 8: the server stops answering once a 5th connection is accepted.
    const server = await startStopsReplyingAboveServer(4)
    closers.push(() => server.close())
    const { result } = await runSuite('concurrent-connections', server.url, {
      connectionCount: 8,
      openRatePerSec: 1000
    })
    const steps = result.metrics.steps as { connections: number; sent: number; replies: number }[]
    expect(steps.map((s) => s.connections)).toEqual([2, 4, 6, 8])
    expect(steps.at(-1)?.sent).toBeGreaterThan(0)
    expect(steps.at(-1)?.replies).toBe(0)
    const stable = check(result, 'latency-stable')
    expect(stable.status).toBe('failed')
    expect(stable.value).toBeNull()
    expect(stable.message).toMatch(/no reply to \d+ probes at \d+ connections/)
    expect(check(result, 'all-opened').status).toBe('passed')
  }, 20_000)
})
