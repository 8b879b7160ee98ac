/**
 * Issue 8 end to end through the CLI (in-process main): real runs against a
 * service whose latency rises run by run, each appending to a history file,
 * must raise a predictive alert before the p95 threshold is crossed; then
 * `ws-health history FILE` prints the same analysis.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXIT, main } from '../../src/cli.js'
import { parseArgv } from '../../src/config/argv.js'
import { captureIo } from '../e2e/cli-io.js'
import { startFakeContentsApi } from './fake-contents-api.js'
import { startDelayServer, type DelayServer } from './delay-server.js'

// Steps of 20 ms (20 ... 160 ms) against a 250 ms limit: a loaded machine adds up to tens of
// ms to a run's p95, never the 90 ms it takes the last run to cross the limit.
const P95_THRESHOLD_MS = 250
const RUNS = 8
const STEP_MS = 20

let dir = ''
let server: DelayServer
let configFile = ''
let historyFile = ''

interface RunOutcome {
  code: number
  p95: number
  predicted: boolean
  out: string
  err: string
}

const runs: RunOutcome[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsh-trend-cli-'))
  server = await startDelayServer()
  configFile = join(dir, 'ws-health.json')
  historyFile = join(dir, 'history', 'runs.jsonl')
  await writeFile(
    configFile,
    JSON.stringify({
      thresholds: { p95_latency_ms: P95_THRESHOLD_MS, p50_latency_ms: P95_THRESHOLD_MS }
    })
  )
  // Run i (0-based) answers after (i + 1) * STEP_MS: 20, 40, ... 160 ms.
  for (let run = 0; run < RUNS; run++) {
    server.setDelay((run + 1) * STEP_MS)
    const io = captureIo()
    const reportPath = join(dir, `report-${run}.json`)
    const code = await main(
      [
        'run',
        '--url',
        server.url,
        '--suites',
        'latency-performance',
        '--duration',
        '1',
        // Closed loop: one probe at a time reads each run's set delay, not a busy machine's queue.
        '--latency-mode',
        'closed',
        '--config',
        configFile,
        '--history',
        historyFile,
        '--report',
        reportPath
      ],
      io
    )
    if (code === EXIT.usage) throw new Error(io.err())
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as {
      metrics: { latencyMs: { p95: number } }
      trend?: { predictions: { metric: string }[] }
    }
    runs.push({
      code,
      p95: report.metrics.latencyMs.p95,
      predicted: (report.trend?.predictions ?? []).some((p) => p.metric === 'p95LatencyMs'),
      out: io.out(),
      err: io.err()
    })
  }
}, 60_000)

afterAll(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

describe('ws-health run --history (rising latency)', () => {
  it('records every run and measures the rising delay', async () => {
    const lines = (await readFile(historyFile, 'utf8')).trim().split('\n')
    expect(lines).toHaveLength(RUNS)
    expect(runs.map((run) => run.code)).not.toContain(EXIT.usage)
    // The measured p95 follows the server's delay.
    expect(runs[0]!.p95).toBeGreaterThanOrEqual(STEP_MS)
    expect(runs[RUNS - 1]!.p95).toBeGreaterThan(runs[0]!.p95 + 4 * STEP_MS)
  })

  it('raises a predictive alert on a run whose p95 is still below the threshold, before any run crosses it', () => {
    const firstAlert = runs.findIndex((run) => run.predicted)
    const firstCrossing = runs.findIndex((run) => run.p95 >= P95_THRESHOLD_MS)
    expect(firstAlert).toBeGreaterThanOrEqual(4) // needs 5 runs for a fit
    expect(runs[firstAlert]!.p95).toBeLessThan(P95_THRESHOLD_MS)
    if (firstCrossing !== -1) expect(firstAlert).toBeLessThan(firstCrossing)
    const alerted = runs[firstAlert]!
    expect(alerted.out).toContain('📈 Trends')
    expect(alerted.out).toMatch(
      /predicted: p95 latency rising \d+(\.\d+)? ms\/run; crosses 250 ms in about \d+ runs?/
    )
    // The first runs have no baseline yet and say so.
    expect(runs[0]!.out).toContain('Baseline: needs at least 5 earlier runs of this target')
    expect(runs[0]!.predicted).toBe(false)
  })

  it('prints the trend of the history file with `ws-health history FILE`', async () => {
    const io = captureIo()
    const code = await main(['history', historyFile, '--config', configFile], io)
    expect(io.err()).toBe('')
    expect(code).toBe(EXIT.healthy)
    const out = io.out()
    expect(out).toContain(`History ${historyFile}: ${RUNS} run(s)`)
    expect(out).toContain('Last runs:')
    expect(out.match(/^ {4}20\d\d-/gm)).toHaveLength(RUNS)
    expect(out).toContain('Baseline (median ± 3·MAD):')
    expect(out).toMatch(/p95 latency: \d+(\.\d+)? ms ± \d+(\.\d+)? ms over \d runs/)
    expect(out).toContain('Regressions:')
    expect(out).toContain('Predictions:')
  })
})

describe('ws-health history (usage)', () => {
  it('parses one FILE or a branch; neither, or both, is a usage error', async () => {
    expect(parseArgv(['history', 'h.jsonl'])).toEqual({
      command: 'history',
      flags: {},
      positionals: ['h.jsonl']
    })
    expect(() => parseArgv(['history', 'a.jsonl', 'b.jsonl'])).toThrow('unexpected argument')
    const neither = captureIo()
    expect(await main(['history'], neither)).toBe(EXIT.usage)
    expect(neither.err()).toContain('expected a history FILE or --history-branch NAME')
    const both = captureIo()
    expect(await main(['history', 'h.jsonl', '--history-branch', 'data'], both)).toBe(EXIT.usage)
    expect(both.err()).toContain('give one')
    expect(parseArgv(['run', '--history', 'h.jsonl', '--history-keep', '5']).flags).toEqual({
      historyFile: 'h.jsonl',
      historyKeep: '5'
    })
  })

  it('reads a history branch through the API with GITHUB_TOKEN, never printing it', async () => {
    const api = await startFakeContentsApi()
    try {
      const records = (await readFile(historyFile, 'utf8')).trim()
      api.files.set('ws-health-history', new Map([['ws-health/history.jsonl', `${records}\n`]]))
      const token = 'ghs_branchReadToken0123456789SECRET'
      const env = { GITHUB_TOKEN: token, GITHUB_API_URL: api.url }
      const io = captureIo(env)
      const args = ['history', '--history-branch', 'ws-health-history', '--repo', 'acme/svc']
      expect(await main([...args, '--config', configFile], io)).toBe(EXIT.healthy)
      expect(io.out()).toContain(
        `History acme/svc@ws-health-history:ws-health/history.jsonl: ${RUNS} run(s)`
      )
      expect(io.out()).toMatch(/predicted: p95 latency rising/)
      expect(io.out() + io.err()).not.toContain(token)
      // Non-empty first: an every()/loop over nothing would pass vacuously.
      expect(api.requests.length).toBeGreaterThan(0)
      expect(api.requests.every((r) => r.authorization === `token ${token}`)).toBe(true)

      // No token, or no repository: a usage error that says what to set.
      const noToken = captureIo({ GITHUB_API_URL: api.url })
      expect(await main(args, noToken)).toBe(EXIT.usage)
      expect(noToken.err()).toContain('GITHUB_TOKEN or GH_TOKEN')
      const noRepo = captureIo(env)
      expect(await main(['history', '--history-branch', 'ws-health-history'], noRepo)).toBe(
        EXIT.usage
      )
      expect(noRepo.err()).toContain('--repo: expected OWNER/NAME')
    } finally {
      await api.close()
    }
  })

  it('exits 2 for a missing file and prints "no runs" for an empty one', async () => {
    const missing = captureIo()
    expect(await main(['history', join(dir, 'nope.jsonl')], missing)).toBe(EXIT.usage)
    expect(missing.err()).toContain('cannot open')
    const empty = join(dir, 'empty.jsonl')
    await writeFile(empty, '')
    const io = captureIo()
    expect(await main(['history', empty], io)).toBe(EXIT.healthy)
    expect(io.out()).toContain('no runs recorded yet')
  })
})
