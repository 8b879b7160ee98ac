/**
 * Issue 18 section 3: the step summary rendered from real runs on 127.0.0.1
 * (a passing all-suites run, an unreachable service, merged shards, a run
 * with history and stress) leads with what matters, folds what passed, and
 * every mermaid block parses with mermaid's own parser.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../src/cli.js'
import type { RunReport } from '../../src/engine/model.js'
import { mergeReports } from '../../src/report/merge.js'
import { buildStepSummary } from '../../src/report/step-summary.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { captureIo } from '../e2e/cli-io.js'
import { closedPortUrl } from '../fixtures/ws-server.js'
import { mermaidBlocks, unfoldedLines, unparsedBlocks } from '../fixtures/mermaid-parse.js'
import { makeRecord } from '../history/make-record.js'

/** Issue 18: a passing all-suites summary shows at most this many lines before unfolding. */
const MAX_UNFOLDED_LINES = 60

let dir = ''
let server: ReferenceServer | undefined

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsh-summary-'))
})

afterEach(async () => {
  await server?.close()
  server = undefined
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Runs `ws-health run` in-process and reads back its --report. */
async function runReport(name: string, args: string[]): Promise<RunReport> {
  const path = join(dir, `${name}.json`)
  await main(['run', ...args, '--report', path], captureIo())
  return JSON.parse(await readFile(path, 'utf8')) as RunReport
}

describe('step summary of a real passing run of every suite', () => {
  it('fits the first screen, folds every passing suite, and its charts parse', async () => {
    // resume: the reference peer `ws-health serve` is, so self-healing's state check passes.
    server = await startReferenceServer({ resume: true })
    const report = await runReport('all', ['--url', server.url, '--duration', '2'])
    expect(report.suites.map((suite) => [suite.id, suite.status])).toEqual(
      report.suites.map((suite) => [suite.id, 'passed'])
    )
    const markdown = buildStepSummary(report)

    const shown = unfoldedLines(markdown)
    expect(shown.length).toBeLessThanOrEqual(MAX_UNFOLDED_LINES)
    expect(shown.slice(0, 3).join('\n')).toContain('Verdict: PASSED')
    expect(markdown).not.toContain('Needs attention')
    // Key metrics on the first screen, every suite folded to one line with its counts.
    expect(shown).toContain('### Key metrics')
    expect(shown.filter((line) => line.startsWith('<details><summary>✅ '))).toHaveLength(6)
    expect(shown.some((line) => line.startsWith('| handshake completes'))).toBe(false)

    // The latency distribution: a percentile curve to p99.9, not bars dominated by max.
    const blocks = mermaidBlocks(markdown)
    expect(blocks).toHaveLength(1)
    expect(blocks[0]).toContain('x-axis "percentile" [p50, p75, p90, p95, p99, p99.9]')
    expect(blocks[0]).not.toContain('max')
    // Loopback latencies sit far below the 100/500/1000 ms defaults: stated, not drawn.
    expect(markdown).toContain('are far above these latencies, so they are stated here, not drawn')
    expect(await unparsedBlocks(markdown)).toEqual([])
  }, 120_000)
})

describe('step summary of a real run against an unreachable service', () => {
  it('says the refused connection once with its count, not once per check', async () => {
    const report = await runReport('down', ['--url', await closedPortUrl(), '--duration', '1'])
    expect(report.status).toBe('failed')
    // Every check that never connected carries this very message.
    const message = report.suites[0]?.checks[0]?.message ?? ''
    expect(message).toContain('ECONNREFUSED')
    const refused = report.suites.flatMap((suite) =>
      suite.checks.filter((check) => check.message === message)
    )
    expect(refused.length).toBeGreaterThan(10)

    const markdown = buildStepSummary(report)
    const top = markdown.slice(0, markdown.indexOf('### Key metrics'))
    expect(top).toContain('Verdict: FAILED')
    const reasonLines = top.split('\n').filter((line) => line.startsWith('- ❌'))
    const refusedLines = reasonLines.filter((line) =>
      line.endsWith('(connection refused) (WSH_ERR_CONNECT)')
    )
    expect(refusedLines).toHaveLength(1)
    const counted = /\*\*(\d+) checks\*\*/.exec(refusedLines[0] ?? '')
    expect(Number(counted?.[1])).toBe(refused.length)
    expect(refusedLines[0]).toContain('(WSH_ERR_CONNECT)')
    expect(reasonLines.length).toBeLessThan(refused.length)
    expect(await unparsedBlocks(markdown)).toEqual([])
  }, 120_000)
})

describe('step summary of merged shards', () => {
  it('says how many reports it merged and counts connections across the shards', async () => {
    server = await startReferenceServer()
    const args = ['--url', server.url, '--suites', 'concurrent-connections', '--duration', '1']
    const shards = await Promise.all(
      ['1/2', '2/2'].map((shard, index) =>
        runReport(`shard-${index + 1}`, [...args, '--connections', '6', '--shard', shard])
      )
    )
    const opened = shards.map((shard) => {
      const connections = shard.suites[0]?.metrics.connections as { opened: number }
      return connections.opened
    })
    expect(opened).toEqual([3, 3])

    const markdown = buildStepSummary(mergeReports(shards))
    expect(markdown).toContain(
      '> Merged from 2 reports; concurrent-connections: 6 of 6 connections opened across 2 shards'
    )
    expect(await unparsedBlocks(markdown)).toEqual([])
  }, 120_000)
})

describe('step summary of a run with history and stress', () => {
  it('charts trends by commit and the stress ramp, and every chart parses', async () => {
    server = await startReferenceServer()
    const history = join(dir, 'history.jsonl')
    const commits = ['1a2b3c4', '2b3c4d5', '3c4d5e6', '4d5e6f7', '5e6f708', '6f70819']
    const records = commits.map((commit, index) =>
      makeRecord(
        index,
        { p95LatencyMs: 0.5 + index * 0.05 },
        { target: server!.url, commit: `${commit}${'0'.repeat(33)}` }
      )
    )
    await writeFile(history, records.map((record) => JSON.stringify(record)).join('\n') + '\n')
    const report = await runReport('stress', [
      '--url',
      server.url,
      '--suites',
      'latency-performance',
      // Stress mode gets 40 % of it: room for at least two ramp steps (a chart needs two
      // points) even on a loaded machine, where each step takes longer.
      '--duration',
      '8',
      '--stress',
      '--connections',
      '2',
      '--max-connections',
      '8',
      '--history',
      history
    ])
    expect(report.trend).toBeDefined()
    expect((report.stress?.steps as unknown[]).length).toBeGreaterThanOrEqual(2)

    const markdown = buildStepSummary(report)
    expect(markdown).toContain('### 📈 Trends')
    // Earlier runs by their commit's short SHA; this run has no commit (no GITHUB_SHA) so its date.
    expect(markdown).toMatch(
      /x-axis "commit, or run date \(UTC\)" \[1a2b3c4, 2b3c4d5, 3c4d5e6, 4d5e6f7, 5e6f708, 6f70819, "\d\d-\d\d \d\d:\d\d"\]/
    )
    expect(markdown).toContain('_Legend: blue: p95 latency per run')
    expect(markdown).toContain('Stress: p95 latency (ms) by connections')
    // A third step to 8 may be cut short by the stress time budget on a loaded machine.
    expect(markdown).toMatch(/x-axis "connections" \[2, 4(, [5-8])?\]/)
    expect(mermaidBlocks(markdown).length).toBeGreaterThanOrEqual(5)
    expect(await unparsedBlocks(markdown)).toEqual([])
  }, 120_000)
})

describe('the mermaid check itself', () => {
  it('rejects a broken chart', async () => {
    const broken = '```mermaid\nxychart-beta\n  x-axis [a, b\n  line [1, 2]\n```\n'
    expect(await unparsedBlocks(broken)).toHaveLength(1)
  })
})
