import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRandom } from '../../src/chaos/random.js'
import type { RunReport, SuiteResult } from '../../src/engine/model.js'
import { isHealthError } from '../../src/errors.js'
import { healthScore } from '../../src/metrics/health-score.js'
import { histogramOf } from '../../src/metrics/histogram.js'
import { summarize } from '../../src/metrics/recorder.js'
import { toJsonReport } from '../../src/report/json.js'
import { mergeReports } from '../../src/report/merge.js'
import { expandGlobs, parseReport, readReportFiles } from '../../src/commands/report-files.js'
import {
  makeReport,
  makeReportCheck,
  makeRunMetrics,
  makeSuiteResult
} from '../fixtures/reports.js'

function latencies(seed: number, count: number, scale: number): number[] {
  const random = createRandom(seed)
  return Array.from({ length: count }, () => scale * (1 + 9 * random.next() ** 3))
}

/** A report whose metrics and histograms agree with `samples`, as a real run's would. */
function reportOf(
  samples: number[],
  suites: SuiteResult[],
  counts: { sent: number; intact: number; pings: number; pongs: number; windowMs: number }
): RunReport {
  const summary = summarize(samples)
  return makeReport({
    suites,
    metrics: makeRunMetrics({
      latencyMs: summary,
      messagesSent: counts.sent,
      messagesReceived: counts.intact,
      messagesLost: counts.sent - counts.intact,
      deliveryRate: counts.intact / counts.sent,
      successRate: (counts.intact + counts.pongs) / (counts.sent + counts.pings),
      heartbeat: {
        sent: counts.pings,
        received: counts.pongs,
        successRate: counts.pongs / counts.pings
      },
      reconnections: 1,
      errors: 2
    }),
    latencyHistogram: {
      latencyMs: histogramOf(samples).toJSON(),
      connectTimeMs: histogramOf([5, 6, 7]).toJSON(),
      recoveryTimeMs: histogramOf([100]).toJSON(),
      throughputWindowMs: counts.windowMs,
      intactReplies: counts.intact
    }
  })
}

function thrownBy(fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a throw')
}

const lifecycle = makeSuiteResult()
const delivery = makeSuiteResult({ id: 'message-delivery', title: 'Message Delivery' })

describe('mergeReports', () => {
  it('concatenates a per-suite matrix and recomputes counts, rates and percentiles', () => {
    const a = latencies(1, 300, 10)
    const b = latencies(2, 4_000, 30)
    const first = reportOf(a, [delivery], {
      sent: 300,
      intact: 300,
      pings: 10,
      pongs: 10,
      windowMs: 2_000
    })
    const second = reportOf(b, [lifecycle], {
      sent: 4_000,
      intact: 3_900,
      pings: 40,
      pongs: 38,
      windowMs: 8_000
    })
    const merged = mergeReports([first, second])

    expect(merged.suites.map((s) => s.id)).toEqual(['connection-lifecycle', 'message-delivery'])
    const m = merged.metrics
    expect(m.messagesSent).toBe(4_300)
    expect(m.messagesReceived).toBe(4_200)
    expect(m.deliveryRate).toBeCloseTo(4_200 / 4_300, 12)
    expect(m.successRate).toBeCloseTo((4_200 + 48) / (4_300 + 50), 12)
    expect(m.heartbeat).toEqual({ sent: 50, received: 48, successRate: 48 / 50 })
    expect(m.reconnections).toBe(2)
    expect(m.errors).toBe(4)
    // Both jobs ran at once (same startedAt and duration): their rates add up,
    // 300/2 s + 3900/8 s, rather than 4200 replies over 10 s laid end to end.
    expect(m.throughputMsgsPerSec).toBeCloseTo(150 + 487.5, 9)
    expect(merged.latencyHistogram?.throughputWindowMs).toBeCloseTo((4_200 / 637.5) * 1000, 6)
    const exact = summarize([...a, ...b])
    expect(m.latencyMs.count).toBe(4_300)
    expect(m.latencyMs.max).toBe(exact.max)
    expect(m.latencyMs.avg).toBeCloseTo(exact.avg as number, 9)
    for (const key of ['p50', 'p95', 'p99'] as const) {
      const rel =
        Math.abs((m.latencyMs[key] as number) - (exact[key] as number)) / (exact[key] as number)
      expect(rel).toBeLessThanOrEqual(0.01)
    }
    expect(m.connectTimeMs.avg).toBe(6)
    expect(m.recoveryTimeMs).toEqual({ avg: 100, max: 100 })
    expect(merged.healthScore).toBe(
      healthScore({
        successRate: m.successRate,
        avgLatencyMs: m.latencyMs.avg,
        reconnections: 2,
        errors: 4
      })
    )
    expect(merged.status).toBe('passed')
    expect(merged.config.suites).toEqual(['connection-lifecycle', 'message-delivery'])
    expect(merged.latencyHistogram?.latencyMs.count).toBe(4_300)
  })

  it('merges shards of one suite: worst check wins, counts summed, verdict recomputed', () => {
    const shardSuite = (opened: number, status: 'passed' | 'failed'): SuiteResult =>
      makeSuiteResult({
        id: 'concurrent-connections',
        title: 'Concurrent Connections',
        critical: false,
        status,
        durationMs: opened * 100,
        checks: [
          makeReportCheck({ id: 'all-served', status, message: `${opened} served` }),
          makeReportCheck({ id: 'no-drops', status: 'passed', message: 'no drops' })
        ],
        metrics: { connections: { target: 5, opened, attempted: 5 }, fairness: 0.9 }
      })
    const counts = { sent: 10, intact: 10, pings: 1, pongs: 1, windowMs: 1_000 }
    const one = reportOf([1, 2], [lifecycle, shardSuite(5, 'passed')], counts)
    const two = reportOf([3, 4], [shardSuite(3, 'failed')], counts)
    const merged = mergeReports([one, two])
    const suite = merged.suites.find((s) => s.id === 'concurrent-connections') as SuiteResult
    expect(suite.status).toBe('failed')
    expect(suite.checks.map((c) => [c.id, c.status])).toEqual([
      ['all-served', 'failed'],
      ['no-drops', 'passed']
    ])
    expect(suite.checks[0]?.message).toBe('3 served (worst of 2 shards)')
    expect(suite.metrics.connections).toEqual({ target: 10, opened: 8, attempted: 10 })
    expect(suite.metrics.fairness).toBe(0.9)
    expect(suite.durationMs).toBe(500)
    // Non-critical suite failed: degraded, as overallVerdict says.
    expect(merged.status).toBe('degraded')
  })

  it('throughput: jobs that ran one after another are laid end to end; re-merging is stable', () => {
    const counts = { sent: 300, intact: 300, pings: 1, pongs: 1, windowMs: 2_000 }
    const first = { ...reportOf([1], [delivery], counts), durationMs: 5_000 }
    const second = {
      ...reportOf([1], [lifecycle], { ...counts, sent: 3_900, intact: 3_900, windowMs: 8_000 }),
      startedAt: '2026-11-25T03:00:05.000Z',
      durationMs: 9_000
    }
    const merged = mergeReports([second, first])
    expect(merged.metrics.throughputMsgsPerSec).toBeCloseTo(4_200 / 10, 9)
    expect(merged.latencyHistogram?.throughputWindowMs).toBe(10_000)

    // A third job overlapping the second: it adds its rate to that group's.
    const third = {
      ...reportOf([1], [lifecycle], { ...counts, sent: 100, intact: 100, windowMs: 1_000 }),
      startedAt: '2026-11-25T03:00:13.000Z',
      durationMs: 2_000
    }
    const three = mergeReports([first, second, third])
    // Group 1: 300 over 2 s. Group 2: 487.5 + 100 msgs/s for 4000 replies -> 4000/587.5 s.
    const window = 2 + 4_000 / 587.5
    expect(three.metrics.throughputMsgsPerSec).toBeCloseTo(4_300 / window, 9)
    // The merged report merges again to the same figure.
    expect(mergeReports([three]).metrics.throughputMsgsPerSec).toBeCloseTo(4_300 / window, 9)
  })

  it('sums the reply-integrity counts; a report written before they existed counts 0', () => {
    const samples = latencies(3, 100, 10)
    const counts = { sent: 100, intact: 97, pings: 5, pongs: 5, windowMs: 1_000 }
    const first = reportOf(samples, [delivery], counts)
    first.metrics = { ...first.metrics, corrupted: 2, duplicates: 3, crossTalk: 4, unsolicited: 5 }
    const old = reportOf(samples, [lifecycle], counts)
    const { corrupted, duplicates, crossTalk, unsolicited, ...before } = old.metrics
    expect([corrupted, duplicates, crossTalk, unsolicited]).toEqual([0, 0, 0, 0])
    old.metrics = before as RunReport['metrics']
    const merged = mergeReports([first, old])
    expect(merged.metrics).toMatchObject({
      corrupted: 2,
      duplicates: 3,
      crossTalk: 4,
      unsolicited: 5
    })
  })

  it('refuses the same report given twice, naming both files', () => {
    const counts = { sent: 100, intact: 100, pings: 100, pongs: 100, windowMs: 1_000 }
    const one = reportOf([1, 2], [lifecycle, delivery], counts)
    const copy = structuredClone(one)
    const error = thrownBy(() => mergeReports([one, copy], { names: ['m1.json', 'm1-copy.json'] }))
    expect(isHealthError(error) && error.code).toBe('WSH_ERR_REPORT')
    expect(error.message).toMatch(/^m1-copy\.json is the same report as m1\.json/)
    // Another run of the same suites (a different start) still merges.
    const rerun = { ...copy, startedAt: '2026-11-25T04:00:00.000Z' }
    expect(mergeReports([one, rerun]).metrics.heartbeat).toMatchObject({ sent: 200 })
  })

  it('refuses reports of different targets or without histograms, naming the file', () => {
    const counts = { sent: 1, intact: 1, pings: 1, pongs: 1, windowMs: 1 }
    const one = reportOf([1], [lifecycle], counts)
    const other = { ...reportOf([1], [lifecycle], counts), target: 'ws://elsewhere:1/ws' }
    const error = thrownBy(() => mergeReports([one, other], { names: ['a.json', 'b.json'] }))
    expect(isHealthError(error) && error.code).toBe('WSH_ERR_REPORT')
    expect(error.message).toMatch(/^b\.json: target ws:\/\/elsewhere:1\/ws differs from a\.json's/)
    const bare = { ...one, latencyHistogram: undefined }
    expect(
      thrownBy(() => mergeReports([one, bare], { names: ['a.json', 'old.json'] })).message
    ).toMatch(/^old\.json: has no latencyHistogram block/)
    expect(thrownBy(() => mergeReports([])).message).toBe('no reports to merge')
  })
})

describe('report files', () => {
  let dir = ''
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wsh-merge-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('expands **, * and ? relative to a folder, sorted; no match is WSH_ERR_REPORT', async () => {
    await mkdir(join(dir, 'reports', 'job-1'), { recursive: true })
    await mkdir(join(dir, 'reports', 'job-2'), { recursive: true })
    await mkdir(join(dir, 'reports', 'node_modules'), { recursive: true })
    for (const path of [
      'reports/job-2/r.json',
      'reports/job-1/r.json',
      'reports/x.txt',
      'reports/node_modules/n.json'
    ]) {
      await writeFile(join(dir, path), '{}')
    }
    expect(await expandGlobs('reports/**/*.json', dir)).toEqual([
      join(dir, 'reports/job-1/r.json'),
      join(dir, 'reports/job-2/r.json')
    ])
    expect(await expandGlobs('reports/job-?/r.json\nreports/x.txt', dir)).toHaveLength(3)
    await expect(expandGlobs('nothing/*.json', dir)).rejects.toThrow(
      /merge_reports: no file matches "nothing\/\*\.json"/
    )
  })

  it('names the file for a missing, malformed or foreign report', async () => {
    const good = join(dir, 'good.json')
    const counts = { sent: 1, intact: 1, pings: 1, pongs: 1, windowMs: 1 }
    await writeFile(good, JSON.stringify(toJsonReport(reportOf([1], [lifecycle], counts))))
    expect((await readReportFiles([good]))[0]?.latencyHistogram?.intactReplies).toBe(1)
    await expect(readReportFiles([join(dir, 'missing.json')])).rejects.toThrow(
      /missing\.json: cannot read the report/
    )
    expect(() => parseReport('{oops', 'bad.json')).toThrow(/^bad\.json: not valid JSON/)
    expect(() => parseReport('{"schemaVersion":2}', 'v2.json')).toThrow(
      /^v2\.json: schemaVersion 2 is not supported; this ws-health reads schemaVersion 1/
    )
    expect(() => parseReport('[]', 'arr.json')).toThrow(/arr\.json: expected a JSON object/)
  })

  it('rejects forged counts a run could not have written', () => {
    const counts = { sent: 4, intact: 4, pings: 2, pongs: 2, windowMs: 1 }
    type Forged = {
      metrics: { messagesSent: number; heartbeat: { received: number } }
      latencyHistogram: { intactReplies: number; latencyMs: { count: number } }
    }
    const valid = (): Forged =>
      JSON.parse(
        JSON.stringify(toJsonReport(reportOf([1, 2, 3, 4], [lifecycle], counts)))
      ) as Forged
    const negative = valid()
    negative.metrics.messagesSent = -1
    expect(() => parseReport(JSON.stringify(negative), 'neg.json')).toThrow(
      'neg.json: metrics.messagesSent: got -1; expected an integer >= 0'
    )
    const pongs = valid()
    pongs.metrics.heartbeat.received = 3
    expect(() => parseReport(JSON.stringify(pongs), 'pongs.json')).toThrow(
      'pongs.json: metrics.heartbeat: received 3 is more than sent 2'
    )
    const intact = valid()
    intact.latencyHistogram.intactReplies = 9
    expect(() => parseReport(JSON.stringify(intact), 'intact.json')).toThrow(
      'intact.json: latencyHistogram.intactReplies: 9 is more than metrics.messagesSent 4'
    )
    const histogram = valid()
    histogram.latencyHistogram.latencyMs.count = 99
    expect(() => mergeReports([parseReport(JSON.stringify(histogram), 'h.json')])).toThrow(
      /latencyHistogram\.latencyMs: count: got 99; expected the buckets' total 4/
    )
  })
})
