// Benchmark (f): the same echo workload run by our client and by Artillery's
// WebSocket engine against the same server. Artillery is installed on
// demand into the gitignored bench/.artillery (never a dependency); when it
// cannot be installed or run, the result says why and the goal is n/a.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { benchDir, buildDir, worker } from './children.mjs'

const artilleryDir = join(benchDir, '.artillery')
const artilleryBin = join(artilleryDir, 'node_modules', 'artillery', 'bin', 'run')
/** The last release that runs on Node 20 (2.0.34 needs Node >= 22.18). */
export const ARTILLERY_VERSION = '2.0.21'

function ensureArtillery(ctx) {
  if (existsSync(artilleryBin)) return { ok: true }
  if (!ctx.install) return { ok: false, note: 'Artillery not installed and --no-install given' }
  ctx.log(
    `installing artillery@${ARTILLERY_VERSION} into bench/.artillery (on demand, not a dependency)`
  )
  mkdirSync(artilleryDir, { recursive: true })
  const result = spawnSync(
    'npm',
    [
      'install',
      '--prefix',
      artilleryDir,
      `artillery@${ARTILLERY_VERSION}`,
      '--no-save',
      '--no-audit',
      '--no-fund'
    ],
    {
      cwd: artilleryDir,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      timeout: 600_000,
      // Playwright (an Artillery dependency) would download a browser; the ws engine needs none.
      env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' }
    }
  )
  if (result.status === 0 && existsSync(artilleryBin)) return { ok: true }
  const why =
    (result.stderr ?? '')
      .split('\n')
      .filter((l) => /error/i.test(l))
      .slice(-1)[0] ?? `exit ${result.status}`
  return { ok: false, note: `artillery@${ARTILLERY_VERSION} could not be installed: ${why.trim()}` }
}

function artilleryScript(url, connections, messages) {
  const payload = 'wsh:0:'.padEnd(64, 'a')
  return [
    'config:',
    `  target: "${url}"`,
    '  phases:',
    `    - duration: 1`,
    `      arrivalCount: ${connections}`,
    'scenarios:',
    '  - engine: ws',
    '    flow:',
    '      - loop:',
    '          - send:',
    `              payload: "${payload}"`,
    '              match:',
    '                regexp: "^wsh:0:"',
    '                value: "wsh:0:"',
    `        count: ${messages}`,
    ''
  ].join('\n')
}

/** One Artillery run under /usr/bin/time; returns times, its counters and its own activity span. */
async function artilleryRun(ctx, url, connections, messages) {
  const script = join(buildDir, `artillery-${connections}x${messages}.yml`)
  const report = join(buildDir, `artillery-${connections}x${messages}.json`)
  writeFileSync(script, artilleryScript(url, connections, messages))
  const t = await ctx.timed(
    process.execPath,
    [artilleryBin, 'run', '--quiet', '--output', report, script],
    {
      cwd: buildDir,
      timeoutMs: ctx.deadlineMs * 2
    }
  )
  const aggregate = JSON.parse(readFileSync(report, 'utf8')).aggregate ?? {}
  const counters = aggregate.counters ?? {}
  const expected = connections * messages
  if (
    counters['websocket.messages_received'] !== expected ||
    (counters['vusers.failed'] ?? 0) > 0
  ) {
    throw new Error(
      `Artillery echoed ${counters['websocket.messages_received']} of ${expected} messages (${counters['vusers.failed'] ?? 0} vusers failed)`
    )
  }
  // Artillery's own clock: first vuser created to last metric (last reply).
  const spanMs = aggregate.lastMetricAt - aggregate.firstMetricAt
  return { wall: t.wall, cpu: t.cpu, counters, spanMs, msgsPerSec: expected / (spanMs / 1000) }
}

/** Our client on the same workload, under /usr/bin/time; its span is measured inside the worker. */
async function ourRun(ctx, url, connections, messages) {
  const params = { url, connections, messagesPerConnection: messages, deadlineMs: ctx.deadlineMs }
  const t = await ctx.timed(process.execPath, [worker, 'workload', JSON.stringify(params)])
  const result = JSON.parse(t.stdout.trim().split('\n').pop()).result
  return { wall: t.wall, cpu: t.cpu, spanMs: result.elapsedMs, msgsPerSec: result.msgsPerSec }
}

/**
 * msgs/s over each tool's own span (first connection attempt to last reply);
 * CPU per message as a differential against a 1-message run of the same
 * tool, so process start-up and connection setup cancel out.
 */
function peerFigures(small, big, connections, messages) {
  const measured = connections * (messages - 1)
  return {
    messages: connections * messages,
    msgsPerSec: big.msgsPerSec,
    spanMs: big.spanMs,
    cpuMicrosPerMsg: ((big.cpu - small.cpu) / measured) * 1e6,
    wholeProcess: { wallS: big.wall, cpuS: big.cpu },
    oneMessageRun: { wallS: small.wall, cpuS: small.cpu }
  }
}

/**
 * Benchmark (f). `ctx`: { connections, messages, deadlineMs, install (may
 * npm-install Artillery), timed (from createChildren), log }.
 */
export async function peerComparison(url, ctx) {
  const installed = ensureArtillery(ctx)
  const { connections, messages } = ctx
  const ours = peerFigures(
    await ourRun(ctx, url, connections, 1),
    await ourRun(ctx, url, connections, messages),
    connections,
    messages
  )
  if (!installed.ok) return { connections, ours, artillery: null, note: installed.note }
  try {
    const small = await artilleryRun(ctx, url, connections, 1)
    const big = await artilleryRun(ctx, url, connections, messages)
    const artillery = peerFigures(small, big, connections, messages)
    artillery.counters = big.counters
    return { connections, ours, artillery, note: null }
  } catch (error) {
    return { connections, ours, artillery: null, note: `Artillery run failed: ${error.message}` }
  }
}
