/**
 * One benchmark case per child process: `node bench/.build/worker/index.js
 * <case> '<json params>'` prints one JSON line `{"ok":true,"result":...}`.
 * bench/run.mjs builds this file with ncc (no TypeScript loader at run
 * time) and starts one child per case, so cases do not share a heap, JIT
 * state or event loop, and (c) can run with --expose-gc.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startReferenceServer } from '../src/server/reference-server.js'
import {
  bareLatency,
  bareThroughput,
  clientContext,
  clientEchoWorkload,
  clientLatency,
  clientThroughput,
  closeBare,
  openBare,
  type ThroughputResult
} from './lib/echo-loops.js'
import { holdConnections, type ConnectionKind } from './lib/connections.js'
import { openLoopAccuracy } from './lib/open-loop-accuracy.js'
import { reportCompute } from './lib/report-compute.js'
import { concat, median, percentiles } from './lib/stats.js'
import { createConnection } from '../src/client/connection.js'
import { systemClock } from '../src/metrics/clock.js'
import { startToolMonitor, type ToolMetrics } from '../src/metrics/tool-monitor.js'
import { memoryRun } from './lib/memory-run.js'
// The hostile services of the memory tests: the bench measures the same attacks.
import {
  startDeflateBombServer,
  startEndlessFragmentServer
} from '../__tests__/fixtures/hostile-servers.js'

type Params = Record<string, unknown>

function num(params: Params, name: string): number {
  const value = params[name]
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${name}: got ${String(value)}; expected a number`)
  }
  return value
}

function str(params: Params, name: string): string {
  const value = params[name]
  if (typeof value !== 'string')
    throw new RangeError(`${name}: got ${String(value)}; expected a string`)
  return value
}

function latencyRow(samples: Float64Array): {
  p50: number
  p99: number
  mean: number
  count: number
} {
  const [p50, p99] = percentiles(samples, [50, 99])
  let sum = 0
  for (let i = 0; i < samples.length; i++) sum += samples[i]
  return { p50, p99, mean: sum / samples.length, count: samples.length }
}

/** (a) RTT at one connection; rounds alternate which loop goes first. */
async function latency(params: Params): Promise<unknown> {
  const url = str(params, 'url')
  const rounds = num(params, 'rounds')
  const limits = {
    messages: num(params, 'messages'),
    warmup: num(params, 'warmup'),
    deadlineMs: num(params, 'deadlineMs')
  }
  const bare: Float64Array[] = []
  const client: Float64Array[] = []
  const { recorder, protocol, timeouts } = clientContext()
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['bare', 'client'] : ['client', 'bare']
    for (const which of order) {
      if (which === 'bare') {
        const ws = await openBare(url)
        bare.push(await bareLatency(ws, limits))
        await closeBare(ws)
      } else {
        const conn = await createConnection({
          ...timeouts,
          url,
          clock: systemClock,
          protocol,
          recorder
        })
        client.push(await clientLatency(conn, limits))
        await conn.close()
      }
    }
  }
  return {
    bare: latencyRow(concat(bare)),
    client: latencyRow(concat(client)),
    // The client's own view of the same probes (clock read inside the client, includes warm-up).
    clientRecorded: recorder.latency.summary()
  }
}

/**
 * (b) pipelined throughput with `window` in flight. Each round measures both
 * loops back to back, so the per-round ratio cancels most of the noise of a
 * busy machine; the row reports the median ratio.
 * (h) the event-loop lag of each measured loop, read by the tool's own
 * monitor (src/metrics/tool-monitor.ts, as runHealthCheck runs it), on both
 * sides so the 10 ms timer costs both the same.
 */
async function throughput(params: Params): Promise<unknown> {
  const url = str(params, 'url')
  const rounds = num(params, 'rounds')
  const window = num(params, 'window')
  const limits = { messages: num(params, 'messages'), deadlineMs: num(params, 'deadlineMs') }
  const warm = { messages: Math.min(limits.messages, 5_000), deadlineMs: limits.deadlineMs }
  const bare: ThroughputResult[] = []
  const client: ThroughputResult[] = []
  const lag = { bare: [] as ToolMetrics[], client: [] as ToolMetrics[] }
  const { recorder, protocol, timeouts } = clientContext()
  // `only` runs one side (for --cpu-prof of just that loop).
  const sides =
    params.only === 'bare' || params.only === 'client' ? [params.only] : ['bare', 'client']
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse()
    for (const which of order) {
      if (which === 'bare') {
        const ws = await openBare(url)
        await bareThroughput(ws, window, warm)
        const monitor = startToolMonitor()
        bare.push(await bareThroughput(ws, window, limits))
        lag.bare.push(monitor.stop())
        await closeBare(ws)
      } else {
        const conn = await createConnection({
          ...timeouts,
          url,
          clock: systemClock,
          protocol,
          recorder
        })
        await clientThroughput(conn, window, warm)
        const monitor = startToolMonitor()
        client.push(await clientThroughput(conn, window, limits))
        lag.client.push(monitor.stop())
        await conn.close()
      }
    }
  }
  const rates = (list: ThroughputResult[]): number[] => list.map((t) => t.msgsPerSec)
  const cpus = (list: ThroughputResult[]): number[] => list.map((t) => t.cpuMicrosPerMsg)
  const paired =
    client.length === bare.length ? client.map((c, i) => c.msgsPerSec / bare[i].msgsPerSec) : []
  return {
    window,
    rounds,
    bareMsgsPerSec: median(rates(bare)),
    clientMsgsPerSec: median(rates(client)),
    ratio: paired.length > 0 ? median(paired) : null,
    bareCpuMicrosPerMsg: median(cpus(bare)),
    clientCpuMicrosPerMsg: median(cpus(client)),
    bare: rates(bare),
    client: rates(client),
    lagMs: { bare: lagSummary(lag.bare), client: lagSummary(lag.client) }
  }
}

/** (h) Median over rounds of each round's lag p99, and the largest lag seen in any round (ms). */
function lagSummary(rounds: ToolMetrics[]): { p99: number | null; max: number | null } {
  const known = (values: (number | null)[]): number[] =>
    values.filter((value): value is number => value !== null)
  const p99s = known(rounds.map((r) => r.eventLoopLagMs.p99))
  const maxes = known(rounds.map((r) => r.eventLoopLagMs.max))
  return {
    p99: p99s.length > 0 ? median(p99s) : null,
    max: maxes.length > 0 ? Math.max(...maxes) : null
  }
}

/**
 * (e) spawn to first connection of the CLI (`dist/cli.js run`) and of the
 * action (`dist/index.js` with INPUT_* variables, as a runner starts it),
 * against an in-process reference server; baseline `node -e 0`.
 */
async function coldStart(params: Params): Promise<unknown> {
  const cli = str(params, 'cli')
  const action = typeof params.action === 'string' ? params.action : undefined
  const repeats = num(params, 'repeats')
  const server = await startReferenceServer()
  const scratch = mkdtempSync(join(tmpdir(), 'ws-health-bench-'))
  const runs = { cli: newSeries(), action: newSeries() }
  const nodeE0: number[] = []
  try {
    for (let r = 0; r < repeats; r++) {
      nodeE0.push((await spawnTimed(['-e', '0'], () => false)).exitMs)
      let before = server.stats.connections
      record(
        runs.cli,
        await spawnTimed(
          [cli, 'run', '--url', server.url, '--suites', 'connection-lifecycle', '--duration', '1'],
          () => server.stats.connections > before
        )
      )
      if (action === undefined) continue
      before = server.stats.connections
      const env = {
        ...process.env,
        INPUT_URL: server.url,
        INPUT_SUITES: 'connection-lifecycle',
        INPUT_DURATION: '1',
        GITHUB_OUTPUT: join(scratch, `output-${r}`),
        GITHUB_STEP_SUMMARY: join(scratch, `summary-${r}`),
        RUNNER_TEMP: scratch
      }
      // The runner creates both files before a step starts.
      writeFileSync(env.GITHUB_OUTPUT, '')
      writeFileSync(env.GITHUB_STEP_SUMMARY, '')
      record(runs.action, await spawnTimed([action], () => server.stats.connections > before, env))
    }
  } finally {
    await server.close()
    rmSync(scratch, { recursive: true, force: true })
  }
  return {
    nodeE0Ms: median(nodeE0),
    cli: summarizeSeries(runs.cli),
    action: action === undefined ? null : summarizeSeries(runs.action)
  }
}

interface Series {
  first: number[]
  exit: number[]
  codes: (number | null)[]
  stderr: string
}

function newSeries(): Series {
  return { first: [], exit: [], codes: [], stderr: '' }
}

function record(series: Series, run: Awaited<ReturnType<typeof spawnTimed>>): void {
  if (run.firstMs !== null) series.first.push(run.firstMs)
  series.exit.push(run.exitMs)
  series.codes.push(run.code)
  // The action reports errors on stdout (::error::), the CLI on stderr: keep both tails.
  series.stderr = `${run.stdout.slice(-200)} ${run.stderr.slice(-200)}`.trim()
}

function summarizeSeries(series: Series): unknown {
  return {
    firstConnectionMs: series.first.length > 0 ? median(series.first) : null,
    exitMs: median(series.exit),
    exitCodes: series.codes,
    stderrTail: series.stderr
  }
}

/** Spawns node with `args`; polls `seen` every ms (bounded by 60 s) for the first-connection time. */
function spawnTimed(
  args: string[],
  seen: () => boolean,
  env: NodeJS.ProcessEnv = process.env
): Promise<{
  firstMs: number | null
  exitMs: number
  code: number | null
  stdout: string
  stderr: string
}> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    let firstMs: number | null = null
    let stdout = ''
    let stderr = ''
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
    child.stdout.on('data', (chunk: Buffer) => {
      stdout = (stdout + chunk.toString('utf8')).slice(-4000)
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000)
    })
    const poll = setInterval(() => {
      if (firstMs === null && seen()) firstMs = performance.now() - start
    }, 1)
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.once('error', (error) => {
      clearInterval(poll)
      clearTimeout(kill)
      reject(error)
    })
    child.once('exit', (code) => {
      clearInterval(poll)
      clearTimeout(kill)
      if (firstMs === null && seen()) firstMs = performance.now() - start
      resolve({ firstMs, exitMs: performance.now() - start, code, stdout, stderr })
    })
  })
}

/** The services a `serve` child can run: the reference server, or one of the memory rows' hostile services. */
const SERVICES: Record<string, () => Promise<{ url: string; close(): Promise<void> }>> = {
  reference: () => startReferenceServer(),
  endless: startEndlessFragmentServer,
  bomb: startDeflateBombServer
}

/**
 * Runs until stdin closes or SIGTERM; prints the server URL as its result
 * line. `kind` (default reference) picks the service.
 */
async function serve(params: Params): Promise<never> {
  const kind = typeof params.kind === 'string' ? params.kind : 'reference'
  const start = SERVICES[kind]
  if (start === undefined) throw new RangeError(`serve kind: got "${kind}"`)
  const server = await start()
  const stop = (): void => {
    void server.close().then(() => process.exit(0))
  }
  process.once('SIGTERM', stop)
  process.stdin.once('end', stop)
  process.stdin.resume()
  print({ ok: true, result: { url: server.url, pid: process.pid } })
  return new Promise<never>(() => undefined)
}

const CASES: Record<string, (params: Params) => Promise<unknown>> = {
  latency,
  throughput,
  coldstart: coldStart,
  hold: (p) =>
    holdConnections({
      kind: str(p, 'kind') as ConnectionKind,
      url: str(p, 'url'),
      target: num(p, 'target'),
      window: num(p, 'window'),
      deadlineMs: num(p, 'deadlineMs')
    }),
  report: async (p) => reportCompute(num(p, 'samples'), num(p, 'repeats')),
  openloop: (p) =>
    openLoopAccuracy(str(p, 'url'), num(p, 'ratePerSec'), num(p, 'runMs'), num(p, 'warmupMs')),
  workload: (p) =>
    clientEchoWorkload(
      str(p, 'url'),
      num(p, 'connections'),
      num(p, 'messagesPerConnection'),
      num(p, 'deadlineMs')
    ),
  memory: (p) =>
    memoryRun({
      url: str(p, 'url'),
      connections: num(p, 'connections'),
      compression: p.compression === true
    }),
  serve
}

function print(line: unknown): void {
  process.stdout.write(`${JSON.stringify(line)}\n`)
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? ''
  const run = CASES[name]
  if (run === undefined)
    throw new RangeError(`case: got "${name}"; expected one of ${Object.keys(CASES).join(', ')}`)
  const params = JSON.parse(process.argv[3] ?? '{}') as Params
  const result = await run(params)
  print({ ok: true, result, cpu: process.cpuUsage(), rss: process.memoryUsage().rss })
}

main().then(
  () => {
    // Cases close what they open; exit anyway so a stray handle cannot hang the bench.
    if (process.argv[2] !== 'serve') process.exit(0)
  },
  (error: unknown) => {
    print({ ok: false, error: error instanceof Error ? error.message : String(error) })
    process.exit(1)
  }
)
