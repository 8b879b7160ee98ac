/**
 * Smoke test of the benchmark harness: each loop runs for a tiny count on
 * real loopback sockets and yields well-formed rows. No timing assertions:
 * speed goals are judged by `npm run bench`, not by tests.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { holdConnections, connectionBudget, readFdSoftLimit } from '../../bench/lib/connections.js'
import {
  bareLatency,
  bareThroughput,
  clientEchoWorkload,
  clientLatency,
  clientThroughput,
  closeBare,
  echoPayload,
  openBare,
  openClient
} from '../../bench/lib/echo-loops.js'
import { openLoopAccuracy } from '../../bench/lib/open-loop-accuracy.js'
import { reportCompute } from '../../bench/lib/report-compute.js'
import { percentiles, syntheticLatencies } from '../../bench/lib/stats.js'
import { renderTable, rowsFromResults } from '../../bench/render.mjs'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'

const LIMITS = { messages: 20, warmup: 2, deadlineMs: 10_000 }

function expectPositiveFinite(values: ArrayLike<number>, length: number): void {
  expect(values.length).toBe(length)
  for (let i = 0; i < values.length; i++) {
    expect(Number.isFinite(values[i])).toBe(true)
    expect(values[i]).toBeGreaterThan(0)
  }
}

describe('bench harness on loopback', () => {
  let server: ReferenceServer

  beforeEach(async () => {
    server = await startReferenceServer()
  })

  afterEach(async () => {
    await server.close()
  })

  it('bare and instrumented latency loops return one RTT per timed message', async () => {
    const ws = await openBare(server.url)
    const bare = await bareLatency(ws, LIMITS)
    await closeBare(ws)
    const conn = await openClient(server.url)
    const client = await clientLatency(conn, LIMITS)
    await conn.close()
    expectPositiveFinite(bare, 20)
    expectPositiveFinite(client, 20)
    // 22 messages each way (warm-up included) reached the server.
    expect(server.stats.messagesReceived).toBe(44)
  })

  it('pipelined loops report the messages they were asked for', async () => {
    const ws = await openBare(server.url)
    const bare = await bareThroughput(ws, 4, { messages: 50, deadlineMs: 10_000 })
    await closeBare(ws)
    const conn = await openClient(server.url)
    const client = await clientThroughput(conn, 4, { messages: 50, deadlineMs: 10_000 })
    expect(conn.stats.repliesMatched).toBe(50)
    await conn.close()
    for (const result of [bare, client]) {
      expect(result.messages).toBe(50)
      expect(result.msgsPerSec).toBeGreaterThan(0)
      expect(result.cpuMicrosPerMsg).toBeGreaterThanOrEqual(0)
    }
    expect(server.stats.messagesReceived).toBe(100)
  })

  it('the echo workload sends connections x messages probes', async () => {
    const result = await clientEchoWorkload(server.url, 3, 5, 10_000)
    expect(result).toMatchObject({ messages: 15, opened: 3 })
    expect(server.stats.messagesReceived).toBe(15)
  })

  it('holds bare and instrumented connections, then closes them all', async () => {
    for (const kind of ['bare', 'client'] as const) {
      const result = await holdConnections({
        kind,
        url: server.url,
        target: 5,
        window: 2,
        deadlineMs: 10_000
      })
      expect(result).toMatchObject({ kind, target: 5, held: 5, failures: 0, firstError: null })
      expect(result.opensPerSec).toBeGreaterThan(0)
      // jest does not expose gc(), so heap is not measured here (null, never a made-up figure).
      expect(result.heapBytesPerConnection).toBeNull()
    }
    expect(server.stats.connections).toBe(10)
  })

  it('(g) sends every scheduled probe on both senders and renders two rows per rate', async () => {
    const g = await openLoopAccuracy(server.url, 500, 100, 20)
    expect(g.sent).toBe(g.scheduled)
    expect(g.replies).toBe(g.sent)
    expect(g.backlogged).toBe(0)
    expect(g.bare.replies).toBe(g.bare.sent)
    expect(g.bare.sent).toBeGreaterThan(0)
    const rows = rowsFromResults({ 'g-openloop': [g], errors: {} })
    expect(rows.map((r) => r.id)).toEqual(['g.rate500', 'g.late500'])
    expect(rows[0]).toMatchObject({ ours: g.achievedPerSec, baseline: 500 })
    expect(rows[1]).toMatchObject({ ours: g.latenessMs.p99, baseline: g.bare.latenessMs.p99 })
  })

  it('counts a refused connection as a failure with its reason', async () => {
    const url = server.url
    await server.close()
    const result = await holdConnections({
      kind: 'bare',
      url,
      target: 2,
      window: 1,
      deadlineMs: 5_000
    })
    expect(result.held).toBe(0)
    expect(result.failures).toBe(2)
    expect(result.firstError).toMatch(/ECONNREFUSED/)
    server = await startReferenceServer()
  })
})

describe('bench harness without sockets', () => {
  it('computes the report for synthetic samples', () => {
    const result = reportCompute(10_000, 2)
    expect(result).toMatchObject({ samples: 10_000, repeats: 2, score: 100 })
    for (const key of ['sortMs', 'reportMs', 'summarizeMs', 'recordMs'] as const) {
      expect(Number.isFinite(result[key])).toBe(true)
    }
    const [p99] = percentiles(syntheticLatencies(10_000), [99])
    expect(result.p99).toBeCloseTo(p99, 1)
  })

  it('nearest-rank percentiles and the payload match what the suites send', () => {
    expect(percentiles([5, 1, 4, 2, 3], [50, 100])).toEqual([3, 5])
    const payload = echoPayload()
    expect(payload.length).toBe(64)
    expect(payload.toString('latin1')).toMatch(/^wsh:0:a+$/)
  })

  it('keeps the connection budget inside the fd limit', () => {
    expect(connectionBudget(20_000, 10_000)).toBe(10_000)
    expect(connectionBudget(1024, 10_000)).toBe(665)
    expect(connectionBudget(100, 10_000)).toBe(0)
    expect(readFdSoftLimit(77, '/nonexistent/limits')).toBe(77)
  })

  it('turns results into rows with goals met, not met, or n/a', () => {
    const results = {
      mode: 'quick',
      startedAt: '2026-01-01T00:00:00.000Z',
      durationMs: 1000,
      machine: {
        nproc: 2,
        cpuModel: 'cpu',
        memoryGiB: 1,
        node: 'v20',
        platform: 'linux x64',
        fdLimit: 1024
      },
      plan: { hold: { window: 8 } },
      'a-latency': {
        bare: { p50: 0.1, p99: 0.2, mean: 0.1, count: 10 },
        client: { p50: 0.2, p99: 0.3, mean: 0.2, count: 10 }
      },
      'c-connections': {
        fdLimit: 1024,
        budget: 665,
        cap: 10_000,
        bare: { held: 665, opensPerSec: 100, heapBytesPerConnection: 2000 },
        client: {
          held: 665,
          opensPerSec: 90,
          heapBytesPerConnection: 2800,
          failures: 0,
          target: 665
        }
      },
      'd-report': { reportMs: 100, sortMs: 80, summarizeMs: 90, repeats: 3 },
      'f-peer': {
        ours: { msgsPerSec: 10, cpuMicrosPerMsg: 1, messages: 5 },
        artillery: null,
        note: 'not installed'
      },
      errors: { 'b-throughput': 'boom' }
    }
    const rows = rowsFromResults(results)
    const byId = new Map(rows.map((r) => [r.id, r]))
    expect(byId.get('a.p50')).toMatchObject({ ratio: 2, met: false })
    expect(byId.get('b')).toMatchObject({ met: null, note: 'boom' })
    expect(byId.get('c.held')?.met).toBeNull()
    expect(byId.get('a.p99')).toMatchObject({ goal: '<= 1.25x', met: false })
    expect(byId.get('c.rate')).toMatchObject({ ratio: 0.9, goal: '>= 0.9x', met: true })
    expect(byId.get('c.heap')).toMatchObject({ ratio: 1.4, goal: '<= 1.5x', met: true })
    expect(byId.get('d.report')?.met).toBe(true)
    expect(byId.get('f.rate')).toMatchObject({ met: null, baseline: null })
    expect(byId.get('f.rate')?.note).toMatch(/skipped: not installed/)
    const table = renderTable({ ...results, rows })
    expect(table).toContain('**not met**')
    expect(table).toContain('| (d) report for 10^6 samples |')
  })

  it('judges (e) cold start against 2x `node -e 0`, and never without a first connection', () => {
    const series = (firstConnectionMs: number | null) => ({
      firstConnectionMs,
      exitMs: 400,
      exitCodes: [0, 0, 0],
      stderrTail: ''
    })
    const rows = rowsFromResults({
      'e-coldstart': { nodeE0Ms: 50, cli: series(100), action: series(101) }
    })
    const byId = new Map(rows.map((r) => [r.id, r]))
    expect(byId.get('e.cli')).toMatchObject({ ratio: 2, goal: '<= 2x', met: true })
    expect(byId.get('e.action')).toMatchObject({ ratio: 2.02, goal: '<= 2x', met: false })
    const none = rowsFromResults({
      'e-coldstart': { nodeE0Ms: 50, cli: series(null), action: null }
    })
    expect(none).toHaveLength(1)
    expect(none[0]).toMatchObject({ id: 'e.cli', ratio: null, met: null })
  })

  it('adds an (h) row per (b) window from the lag the tool monitor saw, with no goal', () => {
    const rows = rowsFromResults({
      plan: {},
      'b-throughput': [
        {
          window: 64,
          bareMsgsPerSec: 100,
          clientMsgsPerSec: 95,
          ratio: 0.95,
          bareCpuMicrosPerMsg: 4,
          clientCpuMicrosPerMsg: 5,
          bare: [100],
          client: [95],
          lagMs: { bare: { p99: 1, max: 3 }, client: { p99: 2, max: 6 } }
        }
      ]
    })
    const byId = new Map(rows.map((r) => [r.id, r]))
    expect(byId.get('b.w64')).toMatchObject({ goal: '>= 0.9x', met: true })
    expect(byId.get('h.w64')).toMatchObject({ ours: 2, baseline: 1, ratio: 2, goal: '', met: null })
  })
})

describe('(i) memory rows', () => {
  const MIB = 1024 * 1024
  const run = (peakMiB: number, codes: string[]) => ({
    peakRssBytes: peakMiB * MIB,
    status: codes.length > 0 ? 'failed' : 'passed',
    codes,
    durationMs: 5_000
  })

  it('shows each hostile run against the reference run, judged by < 400 MiB', () => {
    const rows = rowsFromResults({
      'i-memory': {
        connections: 20,
        reference: run(60, []),
        endless: run(180, ['WSH_ERR_MESSAGE_TOO_BIG']),
        bomb: run(450, ['WSH_ERR_MESSAGE_TOO_BIG'])
      },
      errors: {}
    })
    const byId = new Map(rows.map((r) => [r.id, r]))
    expect(byId.get('i.endless')).toMatchObject({
      ours: 180,
      baseline: 60,
      ratio: 3,
      unit: 'MiB',
      goal: '< 400 MiB',
      met: true
    })
    expect(byId.get('i.endless')?.note).toContain('WSH_ERR_MESSAGE_TOO_BIG')
    expect(byId.get('i.bomb')).toMatchObject({ ours: 450, met: false })
  })

  it('a memory run that failed is one row with its error, never met', () => {
    const rows = rowsFromResults({ errors: { 'i-memory': 'memory: exit 137' } })
    expect(rows).toEqual([
      expect.objectContaining({ id: 'i', met: null, note: 'memory: exit 137' })
    ])
  })
})
