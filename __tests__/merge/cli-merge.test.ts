/**
 * `ws-health merge` end to end in-process: two real runs against the
 * reference server (a per-suite matrix, then two shards of one suite's
 * connections), their report files merged by the CLI.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXIT, main } from '../../src/cli.js'
import type { RunReport } from '../../src/engine/model.js'
import { histogramFromJson } from '../../src/metrics/histogram.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { expectReportContract } from '../fixtures/report-contract.js'
import { captureIo } from '../e2e/cli-io.js'

let dir = ''
let server: ReferenceServer | undefined

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsh-cli-merge-'))
})

afterEach(async () => {
  await server?.close()
  server = undefined
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function runTo(path: string, args: string[]): Promise<RunReport> {
  const io = captureIo()
  const code = await main(
    ['run', '--url', (server as ReferenceServer).url, '--duration', '1', ...args, '--report', path],
    io
  )
  expect({ code, err: io.err() }).toEqual({ code: EXIT.healthy, err: '' })
  return JSON.parse(await readFile(path, 'utf8')) as RunReport
}

describe('ws-health merge', () => {
  it('merges two real per-suite runs into one report with summed counts', async () => {
    server = await startReferenceServer()
    const a = join(dir, 'a.json')
    const b = join(dir, 'b.json')
    const first = await runTo(a, ['--suites', 'message-delivery'])
    const second = await runTo(b, ['--suites', 'connection-lifecycle,latency-performance'])
    const out = join(dir, 'merged.json')
    const io = captureIo()
    const code = await main(['merge', a, b, '--report', out], io)
    expect(io.err()).toBe('')
    expect(code).toBe(EXIT.healthy)
    expect(io.out()).toContain('Merged 2 reports for')
    const merged = JSON.parse(await readFile(out, 'utf8')) as RunReport
    expectReportContract(merged as unknown as Record<string, unknown>)
    expect(merged.suites.map((s) => s.id)).toEqual([
      'connection-lifecycle',
      'message-delivery',
      'latency-performance'
    ])
    expect(merged.metrics.messagesSent).toBe(
      first.metrics.messagesSent + second.metrics.messagesSent
    )
    expect(merged.metrics.latencyMs.count).toBe(
      first.metrics.latencyMs.count + second.metrics.latencyMs.count
    )
    expect(merged.metrics.latencyMs.max).toBe(
      Math.max(first.metrics.latencyMs.max ?? 0, second.metrics.latencyMs.max ?? 0)
    )
    // The merged p95 is the merged histogram's, not an average of the two p95s.
    const union = histogramFromJson(first.latencyHistogram?.latencyMs)
    union.merge(histogramFromJson(second.latencyHistogram?.latencyMs))
    expect(merged.metrics.latencyMs.p95).toBe(union.quantile(0.95))
    expect(merged.config.mergedReports).toBe(2)
    // Throughput: answered probes per wall-clock second of latency-performance's window;
    // the run without that suite has none, and says so.
    expect(first.metrics.throughputMsgsPerSec).toBeNull()
    expect(first.latencyHistogram?.throughputWindowMs).toBe(0)
    const windowMs = second.latencyHistogram?.throughputWindowMs ?? 0
    const answered = second.latencyHistogram?.throughputAnswered ?? 0
    expect(windowMs).toBeGreaterThan(0)
    expect(windowMs).toBeLessThan(second.durationMs)
    expect(second.metrics.throughputMsgsPerSec).toBeCloseTo(answered / (windowMs / 1000), 6)
    expect(merged.metrics.throughputMsgsPerSec).toBeCloseTo(answered / (windowMs / 1000), 6)

    // The same file twice would double-count: refused, naming it.
    const twice = captureIo()
    expect(await main(['merge', a, a], twice)).toBe(EXIT.usage)
    expect(twice.err()).toContain(`${a} is the same report as ${a}`)
  }, 60_000)

  it('merges two shards of the concurrent-connections suite', async () => {
    server = await startReferenceServer()
    const shard = ['--suites', 'connection-lifecycle,concurrent-connections', '--connections', '5']
    const one = await runTo(join(dir, 's1.json'), [...shard, '--shard', '1/2'])
    const two = await runTo(join(dir, 's2.json'), [...shard, '--shard', '2/2'])
    // Shard 1 runs every suite with 3 of 5 connections, shard 2 only its 2 connections.
    expect(one.suites.map((s) => s.id)).toEqual(['connection-lifecycle', 'concurrent-connections'])
    expect(two.suites.map((s) => s.id)).toEqual(['concurrent-connections'])
    expect([one.config.connectionCount, two.config.connectionCount]).toEqual([3, 2])
    const io = captureIo()
    const out = join(dir, 'shards.json')
    const code = await main(
      ['merge', join(dir, 's1.json'), join(dir, 's2.json'), '--report', out],
      io
    )
    expect(io.err()).toBe('')
    expect(code).toBe(EXIT.healthy)
    const merged = JSON.parse(await readFile(out, 'utf8')) as RunReport
    const suite = merged.suites.find((s) => s.id === 'concurrent-connections')
    expect(suite?.metrics.shards).toHaveLength(2)
    expect(merged.config.shard).toBeUndefined()
  }, 90_000)

  it('names a missing or malformed file (exit 2)', async () => {
    const bad = join(dir, 'bad.json')
    await writeFile(bad, '{"schemaVersion": 1, "status": "passed"')
    for (const [file, pattern] of [
      [join(dir, 'nope.json'), /nope\.json: cannot read the report/],
      [bad, /bad\.json: not valid JSON/]
    ] as const) {
      const io = captureIo()
      expect(await main(['merge', file], io)).toBe(EXIT.usage)
      expect(io.err()).toMatch(pattern)
      expect(io.err()).not.toMatch(/^\s+at /m)
    }
  })

  it('refuses a cancelled shard, saying why and what to do (exit 2)', async () => {
    const cancelled = join(dir, 'cancelled.json')
    await writeFile(cancelled, JSON.stringify({ schemaVersion: 1, status: 'cancelled' }))
    const io = captureIo()
    expect(await main(['merge', cancelled], io)).toBe(EXIT.usage)
    expect(io.err()).toContain('cancelled.json: status: cancelled; this run was interrupted')
    expect(io.err()).toContain('run that shard again, or merge only the reports that finished')
  })

  it('a bad --shard is a config error (exit 2) naming the input', async () => {
    const io = captureIo()
    expect(await main(['run', '--url', 'ws://127.0.0.1:1/ws', '--shard', '3/2'], io)).toBe(
      EXIT.usage
    )
    expect(io.err()).toMatch(/--shard: expected K\/N with integers 1 <= K <= N.*got "3\/2"/)
  })
})
