// `npm run bench` (quick, < 2 min on 2 cores) and `npm run bench -- --full`.
//
// Builds bench/worker.ts (and the src/ modules it imports) with ncc into the
// gitignored bench/.build/ (no TypeScript loader at run time), starts the
// reference server in its own process, runs every case in a fresh child
// process against it on 127.0.0.1, and writes bench/results.json plus the
// results table in BENCHMARKS.md. Every row is a ratio against a baseline
// measured in the same run. See BENCHMARKS.md for the method.
//
// Flags: --full            full mode (more samples, fd-limited connection count)
//        --only=a,b,...    run only these benchmarks (a-i; h runs with b)
//        --profile         also write --cpu-prof profiles to bench/.build/profiles/
//        --rebuild         rebuild the worker bundle even when it looks fresh
//        --no-install      do not install Artillery on demand (skip (f) if absent)
//        --no-write        print results, leave results.json and BENCHMARKS.md alone
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { benchDir, buildDir, createChildren, root, worker } from './children.mjs'
import { peerComparison } from './peer.mjs'
import { renderTable, rowsFromResults } from './render.mjs'

const args = new Set(process.argv.slice(2))
const full = args.has('--full')
const profile = args.has('--profile')
const onlyArg = process.argv.slice(2).find((a) => a.startsWith('--only='))
const only = new Set(
  onlyArg ? onlyArg.slice('--only='.length).split(',') : ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'i']
)

/** Sizes per mode. Quick keeps the whole run under 2 minutes on 2 cores. */
const PLAN = full
  ? {
      latency: { rounds: 4, messages: 25_000, warmup: 5_000 },
      throughput: { rounds: 5, messages: 200_000, windows: [16, 64, 256] },
      hold: { cap: 50_000, window: 128, rounds: 3 },
      report: { samples: 1_000_000, repeats: 15 },
      coldstart: { repeats: 10 },
      workload: { connections: 50, messages: 4_000 },
      openLoop: { rates: [5_000, 20_000], runMs: 5_000, warmupMs: 1_000 },
      memory: { connections: 20 }
    }
  : {
      latency: { rounds: 2, messages: 5_000, warmup: 1_000 },
      throughput: { rounds: 3, messages: 50_000, windows: [64] },
      hold: { cap: 10_000, window: 64, rounds: 2 },
      report: { samples: 1_000_000, repeats: 5 },
      coldstart: { repeats: 7 },
      workload: { connections: 20, messages: 2_000 },
      openLoop: { rates: [5_000, 20_000], runMs: 2_000, warmupMs: 500 },
      // Issue 17's figures: 20 connections against each hostile service.
      memory: { connections: 20 }
    }
const CASE_DEADLINE_MS = full ? 300_000 : 60_000
const { runCase, startServer, timed } = createChildren({
  profile,
  caseDeadlineMs: CASE_DEADLINE_MS
})

function log(line) {
  process.stderr.write(`[bench] ${line}\n`)
}

// ------------------------------------------------------------------ build

function newestMtime(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path))
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

/** Bundles bench/worker.ts with ncc (transpile only; `npm run typecheck` covers types). */
function buildWorker() {
  const sources = Math.max(newestMtime(join(root, 'src')), newestMtime(benchDir))
  if (!args.has('--rebuild') && existsSync(worker) && statSync(worker).mtimeMs > sources) {
    log('worker bundle is fresh (bench/.build/worker/index.js)')
    return
  }
  log('building bench/.build/worker/index.js with ncc')
  const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js')
  const result = spawnSync(
    process.execPath,
    [
      ncc,
      'build',
      'bench/worker.ts',
      '--out',
      join(buildDir, 'worker'),
      '--transpile-only',
      '--no-cache',
      '--quiet'
    ],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] }
  )
  if (result.status !== 0)
    throw new Error(`ncc failed to build bench/worker.ts (exit ${result.status})`)
}

// ------------------------------------------------------------------ children

// ------------------------------------------------------------------ machine

function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : ''
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown'
  let fdLimit = null
  try {
    const m = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
    fdLimit = m ? (m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1])) : null
  } catch {
    fdLimit = null
  }
  const nproc = spawnSync('nproc', [], { encoding: 'utf8' }).stdout?.trim()
  return {
    nproc: Number(nproc) || cpus().length,
    cpuModel: model,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    // Other work on the machine moves every figure; the ratios much less.
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
    fdLimit
  }
}

/** The round with the median opening rate; `held` is the fewest held in any round. */
function medianHold(list) {
  const sorted = [...list].sort((x, y) => x.opensPerSec - y.opensPerSec)
  const mid = sorted[Math.floor((sorted.length - 1) / 2)]
  const heaps = list.map((r) => r.heapBytesPerConnection).filter((h) => h !== null)
  heaps.sort((x, y) => x - y)
  return {
    ...mid,
    held: Math.min(...list.map((r) => r.held)),
    heapBytesPerConnection: heaps.length > 0 ? heaps[Math.floor((heaps.length - 1) / 2)] : null,
    rounds: list.map((r) => ({
      held: r.held,
      opensPerSec: r.opensPerSec,
      heap: r.heapBytesPerConnection
    }))
  }
}

// ------------------------------------------------------------------ main

async function main() {
  const started = Date.now()
  mkdirSync(buildDir, { recursive: true })
  buildWorker()
  const info = machine()
  log(`${full ? 'full' : 'quick'} mode on ${info.nproc} x ${info.cpuModel}, Node ${info.node}`)
  const results = {
    schemaVersion: 1,
    mode: full ? 'full' : 'quick',
    startedAt: new Date(started).toISOString(),
    machine: info,
    plan: PLAN
  }
  const errors = {}
  const attempt = async (key, fn) => {
    // (h) is read during (b)'s loops: asking for either runs (b).
    const wanted = key[0] === 'b' ? only.has('b') || only.has('h') : only.has(key[0])
    if (!wanted) return
    const t = Date.now()
    log(`(${key}) ...`)
    try {
      results[key] = await fn()
    } catch (error) {
      errors[key] = error instanceof Error ? error.message : String(error)
      log(`(${key}) failed: ${errors[key]}`)
    }
    log(`(${key}) done in ${((Date.now() - t) / 1000).toFixed(1)} s`)
  }

  const server = await startServer()
  try {
    await attempt('a-latency', () =>
      runCase('latency', { url: server.url, ...PLAN.latency, deadlineMs: CASE_DEADLINE_MS })
    )
    await attempt('b-throughput', async () => {
      const rows = []
      for (const window of PLAN.throughput.windows) {
        rows.push(
          await runCase('throughput', {
            url: server.url,
            window,
            rounds: PLAN.throughput.rounds,
            messages: PLAN.throughput.messages,
            deadlineMs: CASE_DEADLINE_MS
          })
        )
      }
      return rows
    })
    await attempt('c-connections', async () => {
      // Client and server each hold one descriptor per connection, in separate processes.
      const budget = Math.max(
        0,
        Math.min(PLAN.hold.cap, Math.floor((info.fdLimit ?? 1024) * 0.9) - 256)
      )
      const params = {
        url: server.url,
        target: budget,
        window: PLAN.hold.window,
        deadlineMs: CASE_DEADLINE_MS
      }
      // Warm the server up first (JIT, heap), then alternate the order: whichever
      // side runs second otherwise opens faster on a warmer server.
      await runCase('hold', { ...params, target: Math.min(budget, 2_000), kind: 'bare' })
      const runs = { bare: [], client: [] }
      for (let round = 0; round < PLAN.hold.rounds; round++) {
        for (const kind of round % 2 === 0 ? ['bare', 'client'] : ['client', 'bare']) {
          runs[kind].push(await runCase('hold', { ...params, kind }, { flags: ['--expose-gc'] }))
        }
      }
      const bare = medianHold(runs.bare)
      const client = medianHold(runs.client)
      return { fdLimit: info.fdLimit, budget, cap: PLAN.hold.cap, bare, client }
    })
    await attempt('d-report', () => runCase('report', PLAN.report))
    await attempt('g-openloop', async () => {
      const rows = []
      for (const ratePerSec of PLAN.openLoop.rates) {
        rows.push(
          await runCase('openloop', {
            url: server.url,
            ratePerSec,
            runMs: PLAN.openLoop.runMs,
            warmupMs: PLAN.openLoop.warmupMs
          })
        )
      }
      return rows
    })
    await attempt('f-peer', () =>
      peerComparison(server.url, {
        ...PLAN.workload,
        deadlineMs: CASE_DEADLINE_MS,
        install: !args.has('--no-install'),
        timed,
        log
      })
    )
  } finally {
    await server.stop()
  }
  await attempt('i-memory', async () => {
    // Each service in its own process and each run in a fresh child: the
    // peak RSS is the client's alone. The reference server is the baseline.
    const rows = {}
    for (const kind of ['reference', 'endless', 'bomb']) {
      const service = await startServer({ kind })
      try {
        rows[kind] = await runCase('memory', {
          url: service.url,
          connections: PLAN.memory.connections,
          compression: true
        })
      } finally {
        await service.stop()
      }
    }
    return { connections: PLAN.memory.connections, ...rows }
  })
  await attempt('e-coldstart', async () => {
    const cli = join(root, 'dist', 'cli.js')
    if (!existsSync(cli)) throw new Error('dist/cli.js is missing; run `npm run package` first')
    const action = join(root, 'dist', 'index.js')
    return runCase('coldstart', {
      cli,
      action: existsSync(action) ? action : undefined,
      repeats: PLAN.coldstart.repeats
    })
  })

  results.errors = errors
  results.durationMs = Date.now() - started
  results.machine.loadAverage1mAtEnd = Math.round(loadavg()[0] * 100) / 100
  const rows = rowsFromResults(results)
  results.rows = rows
  const table = renderTable(results)
  process.stdout.write(`${table}\n`)
  log(`finished in ${(results.durationMs / 1000).toFixed(1)} s`)
  if (args.has('--no-write')) return
  writeFileSync(join(benchDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
  updateBenchmarksMd(table)
  log('wrote bench/results.json and the results table in BENCHMARKS.md')
}

const START = '<!-- bench:results:start -->'
const END = '<!-- bench:results:end -->'

/** Replaces the generated section of BENCHMARKS.md, leaving the hand-written method alone. */
function updateBenchmarksMd(table) {
  const path = join(root, 'BENCHMARKS.md')
  const block = `${START}\n${table}\n${END}`
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n\n'
  const from = text.indexOf(START)
  const to = text.indexOf(END)
  const next =
    from >= 0 && to > from
      ? text.slice(0, from) + block + text.slice(to + END.length)
      : `${text.trimEnd()}\n\n${block}\n`
  writeFileSync(path, next)
}

main().catch((error) => {
  process.stderr.write(`[bench] ${error instanceof Error ? error.stack : String(error)}\n`)
  process.exitCode = 1
})
