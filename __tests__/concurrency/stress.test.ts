import { describe, it, expect, afterEach } from '@jest/globals'
import { createConnector, connectionOptionsFromConfig } from '../../src/client/connection.js'
import { createProbeProtocol } from '../../src/client/protocol.js'
import type { Connect } from '../../src/client/types.js'
import type { ConfigInput } from '../../src/config/schema.js'
import { slowReader } from '../../src/engine/exhaustion.js'
import { runStress, type StressOptions, type StressReport } from '../../src/engine/stress.js'
import { splitDuration } from '../../src/engine/stress-budget.js'
import { HealthError } from '../../src/errors.js'
import { systemClock } from '../../src/metrics/clock.js'
import { startReferenceServer } from '../../src/server/reference-server.js'
import { makeConfig } from '../fixtures/builders.js'
import { startDroppingServer } from '../fixtures/faulty-servers.js'
import { startBufferLimitedServer, startLoadSensitiveServer } from '../fixtures/load-servers.js'
import { startStallingServer } from '../fixtures/stall-server.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

/**
 * A p95 limit no healthy in-process echo reaches, however busy the runner:
 * tests that expect no breaking point must not depend on machine speed.
 */
const LENIENT = { p95LatencyMs: 5_000, p99LatencyMs: 5_000 }

/** Stress options against `url` with small steps; the service runs in this process (2 fds a connection). */
function stressOptions(
  url: string,
  overrides: ConfigInput,
  extra: Partial<StressOptions> = {}
): StressOptions {
  const config = makeConfig({ url, openRatePerSec: 2000, ...overrides })
  const protocol = createProbeProtocol(config)
  const connect = createConnector({
    url,
    clock: systemClock,
    protocol,
    ...connectionOptionsFromConfig(config)
  })
  return {
    config,
    target: url,
    connect,
    canCarry: protocol.canCarry,
    clock: systemClock,
    signal: new AbortController().signal,
    budgetMs: 3_000,
    descriptorsPerConnection: 2,
    stepMs: 250,
    scenarios: false,
    ...extra
  }
}

describe('stress mode', () => {
  it('finds the breaking point of a server that slows down with load', async () => {
    // 40 ms per open connection: 8 -> 320 ms leaves 160 ms for a busy runner's jitter under 480 ms.
    const server = await startLoadSensitiveServer(40)
    closers.push(() => server.close())
    const report = await runStress(
      stressOptions(server.url, {
        connectionCount: 2,
        maxConnections: 64,
        thresholds: { p95LatencyMs: 480 }
      })
    )
    // 2 -> 80 ms, 4 -> 160, 8 -> 320, 16 -> 640 ms > 480 ms.
    expect(report.steps.map((s) => s.connections)).toEqual([2, 4, 8, 16])
    expect(report.breakingPoint).toMatchObject({ connections: 16, reason: 'p95', limit: 480 })
    expect(report.breakingPoint?.p95Ms).toBeGreaterThan(480)
    // Each step offers 10 probes/s per connection (open loop); msgs/s is what the service achieved.
    expect(report.steps.map((s) => s.offeredMsgsPerSec)).toEqual([20, 40, 80, 160])
    expect(report.breakingPoint?.offeredMsgsPerSec).toBe(160)
    expect(report.breakingPoint?.msgsPerSec).toBe(report.steps[3]?.msgsPerSec)
    expect(report.verdict).toMatch(
      /^breaking point at 16 connections, [\d.]+ msgs\/s \(of 160 offered\): p95 [\d.]+ ms > 480 ms$/
    )
    expect(report.degradation.againstLoad?.slopeMsPerConnection).toBeGreaterThan(5)
  }, 20_000)

  it("shows a stalling service in the step p95, counted from each probe's intended send", async () => {
    // Every reply held for 400 ms of each 1000 ms: 40 % of the probes a fixed schedule sends
    // wait up to 400 ms, so p95 (from intended send) is about 350 ms. A closed-loop flood would
    // send only a window's worth into each stall and dilute it with the fast replies around it.
    const server = await startStallingServer({ periodMs: 1_000, stallMs: 400, firstStallAtMs: 0 })
    closers.push(() => server.close())
    const report = await runStress(
      stressOptions(
        server.url,
        { connectionCount: 4, maxConnections: 4, thresholds: { p95LatencyMs: 200 } },
        { stepMs: 2_000 }
      )
    )
    expect(report.steps).toHaveLength(1)
    const step = report.steps[0]
    expect(step).toMatchObject({ connections: 4, offeredMsgsPerSec: 40, errors: 0 })
    expect(step?.replies).toBeGreaterThan(0)
    expect(step?.p95Ms).toBeGreaterThan(200)
    expect(report.breakingPoint).toMatchObject({ connections: 4, reason: 'p95', limit: 200 })
  }, 20_000)

  it('reports no breaking point against a healthy server and counts what the server saw', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    const report = await runStress(
      stressOptions(server.url, { connectionCount: 4, maxConnections: 16, thresholds: LENIENT })
    )
    expect(report.breakingPoint).toBeNull()
    expect(report.steps.map((s) => s.connections)).toEqual([4, 8, 16])
    expect(report.verdict).toMatch(/^no breaking point up to 16 connections \/ [\d.]+ msgs\/s$/)
    const sent = report.steps.reduce((n, s) => n + s.sent + (s.burst?.sent ?? 0), 0)
    const replies = report.steps.reduce((n, s) => n + s.replies, 0)
    expect(replies).toBeGreaterThan(0)
    // Every message the tool says it sent reached the server, no more, no fewer.
    expect(server.stats.messagesReceived).toBe(sent)
    for (const step of report.steps) {
      expect(step.msgsPerSec).toBeCloseTo(step.replies / (step.durationMs / 1000), 6)
      const carriers = Math.min(5, step.connections)
      expect(step.burst).toMatchObject({ sent: carriers, intact: carriers })
    }
  }, 20_000)

  it('stops at the file-descriptor budget and says so', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    // 200 descriptors: 200 - 64 - 20 headroom = 116, 2 per connection = 58, minus 4 scenario connections = 50.
    const report = await runStress(
      stressOptions(
        server.url,
        { connectionCount: 10, maxConnections: 1000, thresholds: LENIENT },
        { fdLimit: { soft: 200, inUse: 0, source: 'proc' } }
      )
    )
    expect(report.limits).toMatchObject({ fdBudget: 50, plannedMax: 50 })
    expect(report.steps.at(-1)?.connections).toBe(50)
    expect(report.stoppedAt).toEqual({ connections: 50, reason: 'file-descriptor limit' })
    expect(report.verdict).toContain('stopped at 50 connections: file-descriptor limit')
  }, 20_000)

  it('handles EMFILE while opening as the file-descriptor limit, not as the breaking point', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    // success_rate 1: any error the step counts is a breaking point, so EMFILE must not count as one.
    const options = stressOptions(server.url, {
      connectionCount: 4,
      maxConnections: 32,
      thresholds: { ...LENIENT, successRate: 1 }
    })
    let opened = 0
    const real = options.connect
    const exhausted: Connect = async (connectionOptions) => {
      if (++opened > 12) {
        const cause = Object.assign(new Error('socket: too many open files'), { code: 'EMFILE' })
        throw new HealthError('WSH_ERR_CONNECT', `cannot connect to ${server.url}: EMFILE`, {
          cause
        })
      }
      return real(connectionOptions)
    }
    const report: StressReport = await runStress({ ...options, connect: exhausted })
    expect(report.breakingPoint).toBeNull()
    expect(report.stoppedAt).toEqual({ connections: 12, reason: 'file-descriptor limit' })
    const last = report.steps.at(-1)
    expect(last).toMatchObject({ connections: 12, openFailures: 0 })
    expect(last?.fdFailures).toBeGreaterThan(0)
    expect(report.verdict).toContain('stopped at 12 connections: file-descriptor limit')
  }, 20_000)

  it('runs the exhaustion scenarios and reports what the service did', async () => {
    const server = await startReferenceServer({ maxPayload: 1024 * 1024 })
    closers.push(() => server.close())
    const report = await runStress(
      stressOptions(
        server.url,
        { connectionCount: 4, maxConnections: 8, largePayloadBytes: 100_000, thresholds: LENIENT },
        { scenarios: true, budgetMs: 3_000 }
      )
    )
    expect(report.scenarios.idleConnections).toMatchObject({
      outcome: 'kept-and-served',
      connections: 8,
      answeredAfterIdle: 8
    })
    expect(report.scenarios.slowReader).toMatchObject({ outcome: 'buffered-all' })
    // Above the server's 1 MiB maxPayload: ws closes with 1009 (message too big).
    expect(report.scenarios.oversizedMessage).toMatchObject({
      outcome: 'closed-connection',
      closeCode: 1009
    })
  }, 30_000)

  it('reports a service that closes a slow reader', async () => {
    const server = await startBufferLimitedServer(1024 * 1024)
    closers.push(() => server.close())
    const options = stressOptions(server.url, {})
    const report = await slowReader(options, 1_000)
    expect(report).toMatchObject({ outcome: 'closed-slow-reader', closeCode: 1008 })
    expect(report.observed).toContain('slow consumer')
  }, 20_000)

  it('stops ramping when its time budget runs out instead of overrunning it', async () => {
    const server = await startReferenceServer()
    closers.push(() => server.close())
    // 20 opens per second cannot reach 400 connections within a 1 s ramp.
    const report = await runStress(
      stressOptions(
        server.url,
        { connectionCount: 10, maxConnections: 400, openRatePerSec: 20, thresholds: LENIENT },
        { budgetMs: 1_000, stepMs: 100 }
      )
    )
    expect(report.breakingPoint).toBeNull()
    expect(report.stoppedAt?.reason).toMatch(/^stress time budget/)
    expect(report.stoppedAt?.connections).toBeLessThan(400)
    expect(report.verdict).toContain('stopped at')
  }, 20_000)

  it('splits the duration between the suites and stress mode', () => {
    expect(splitDuration(60_000, false)).toEqual({ suitesMs: 60_000, stressMs: 0 })
    expect(splitDuration(60_000, true)).toEqual({ suitesMs: 36_000, stressMs: 24_000 })
  })

  it("shares max_in_flight among each step's connections, not the ramp's top", async () => {
    // 16 in flight over 2, 4, 8 connections: 8, 4, 2 per connection. A 400 ms stall keeps
    // about 5 probes of a connection (10/s) outstanding: under the first step's 8 nothing is
    // backlogged; a later step's smaller share backlogs some (which step breaks on that
    // depends on timing). Sharing by the top (16 / 8 = 2) would backlog the first step too.
    const server = await startStallingServer({ periodMs: 1_000, stallMs: 400, firstStallAtMs: 0 })
    closers.push(() => server.close())
    const report = await runStress(
      stressOptions(
        server.url,
        { connectionCount: 2, maxConnections: 8, maxInFlight: 16, thresholds: LENIENT },
        { stepMs: 1_000, budgetMs: 6_000 }
      )
    )
    expect(report.steps[0]).toMatchObject({ connections: 2, backlogged: 0, errors: 0 })
    expect(report.steps.length).toBeGreaterThan(1)
    expect(report.steps.at(-1)?.backlogged).toBeGreaterThan(0)
  }, 20_000)

  it('breaks on the error rate when the service loses replies', async () => {
    const server = await startDroppingServer(3)
    closers.push(() => server.close())
    const report = await runStress(
      stressOptions(server.url, {
        connectionCount: 2,
        maxConnections: 8,
        thresholds: { p95LatencyMs: 250, messageTimeoutMs: 1_000 }
      })
    )
    expect(report.breakingPoint).toMatchObject({ connections: 2, reason: 'error-rate' })
    expect(report.breakingPoint?.errorRate).toBeGreaterThan(0.05)
    expect(report.steps).toHaveLength(1)
    expect(report.verdict).toMatch(/^breaking point at 2 connections, .*error rate [\d.]+ % > 5 %$/)
  }, 20_000)
})
