/**
 * The CLI's live log and output modes on real runs (src/cli.ts main() over
 * real sockets on 127.0.0.1): the start line, a group per suite, the
 * progress line (interval shortened through CliIo), annotations for failed
 * and degraded checks under GITHUB_ACTIONS=true, --json, --quiet,
 * --report -, --no-color / NO_COLOR, --verbose, per-command help and
 * did-you-mean.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EXIT, main } from '../../src/cli.js'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { startSlowServer } from '../fixtures/faulty-servers.js'
import { closedPortUrl, type TestServer } from '../fixtures/ws-server.js'
import { expectReportContract } from '../fixtures/report-contract.js'
import { captureIo } from './cli-io.js'

const QUICK = ['--duration', '1', '--suites', 'connection-lifecycle,message-delivery']
/** Short enough that a 2 s run prints several progress lines. */
const TEST_INTERVAL_MS = 100
const ANSI = '\u001b['

let dir = ''
let server: ReferenceServer | TestServer | undefined

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsh-cli-log-'))
})

afterEach(async () => {
  await server?.close()
  server = undefined
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '')
}

describe('the live log outside a terminal', () => {
  it('prints the start line at once, a heading per suite with its result, and progress lines', async () => {
    server = await startReferenceServer()
    const io = { ...captureIo(), progressIntervalMs: TEST_INTERVAL_MS }
    const code = await main(
      [
        'run',
        '--url',
        server.url,
        '--duration',
        '2',
        '--suites',
        'connection-lifecycle,latency-performance'
      ],
      io
    )
    expect(code).toBe(EXIT.healthy)
    const out = lines(io.out())
    expect(out[0]).toBe(
      `ws-health: checking ${server.url} · suites connection-lifecycle, latency-performance · duration 2 s · 10 connections · thresholds connect < 10 s, p50 < 100 ms, p95 < 500 ms, p99 < 1000 ms, success >= 95%, delivery >= 100%`
    )
    const heading1 = out.indexOf('── connection-lifecycle [1/2]')
    const result1 = out.findIndex((line) =>
      /^✅ connection-lifecycle: PASSED in \S+ \S+ \(\d+ passed/.test(line)
    )
    const heading2 = out.indexOf('── latency-performance [2/2]')
    const result2 = out.findIndex((line) => /^. latency-performance: [A-Z]+ in /.test(line))
    const report = out.indexOf('📊 WebSocket Health Report')
    expect({ heading1, result1, heading2, result2, report }).toEqual({
      heading1: 1,
      result1: expect.any(Number),
      heading2: expect.any(Number),
      result2: expect.any(Number),
      report: expect.any(Number)
    })
    expect(heading1 < result1 && result1 < heading2 && heading2 < result2 && result2 < report).toBe(
      true
    )
    const progress = out.filter((line) => line.startsWith('⏱ '))
    expect(progress.length).toBeGreaterThan(0)
    for (const line of progress) {
      expect(line).toMatch(/^⏱ \d+(\.\d)? m?s\/2 s · (starting|\[[12]\/2\] [a-z-]+.*)/)
    }
    // While latency-performance samples, the line carries the figures so far.
    expect(progress.join('\n')).toMatch(
      /\[2\/2\] latency-performance .*· probes [1-9]\d* · p95 \d+(\.\d+)? ms · errors 0$/m
    )
    expect(io.out()).not.toContain('::group::')
    expect(io.err()).toBe('')
  })

  it('under GitHub Actions: ::group:: per suite and an ::error annotation per failed cause', async () => {
    const url = await closedPortUrl()
    const io = captureIo({ GITHUB_ACTIONS: 'true' })
    expect(await main(['run', '--url', url, ...QUICK], io)).toBe(EXIT.failed)
    const out = lines(io.out())
    const commands = out.filter((line) => line.startsWith('::'))
    const groups = commands.filter((line) => /^::(end)?group::/.test(line))
    expect(groups.slice(0, 4)).toEqual([
      '::group::connection-lifecycle',
      '::endgroup::',
      '::group::message-delivery',
      '::endgroup::'
    ])
    // Groups are balanced: every one opened is closed, none nested.
    let open = 0
    for (const line of groups) {
      open += line.startsWith('::group::') ? 1 : -1
      expect(open === 0 || open === 1).toBe(true)
    }
    expect(open).toBe(0)
    const errors = commands.filter((line) => line.startsWith('::error '))
    expect(
      errors.some((line) =>
        /^::error title=connection-lifecycle \/ [a-z-]+(%2C [a-z-]+)*::.*ECONNREFUSED/.test(line)
      )
    ).toBe(true)
    expect(errors.some((line) => line.startsWith('::error title=message-delivery / '))).toBe(true)
  })

  it('under GitHub Actions: a ::warning annotation for a degraded check', async () => {
    server = await startSlowServer(1000)
    // p50 of a 1000 ms service misses 600 ms by less than the 100 % margin: degraded, not failed;
    // by 400 ms, more than this process's own lag on a loaded machine (else it is inconclusive).
    const config = join(dir, 'degraded.json')
    await writeFile(
      config,
      JSON.stringify({
        thresholds: {
          p50_latency_ms: 600,
          p95_latency_ms: 5000,
          p99_latency_ms: 10000,
          degraded_margin: 1
        }
      })
    )
    const io = captureIo({ GITHUB_ACTIONS: 'true' })
    const code = await main(
      [
        'run',
        '--url',
        server.url,
        '--duration',
        '1',
        '--suites',
        'latency-performance',
        '--config',
        config,
        // The p50 limit is set explicitly, so its miss would fail the step (the gate): this test is about the annotation.
        '--fail-on',
        'never'
      ],
      io
    )
    expect(code).toBe(EXIT.healthy)
    expect(io.out()).toMatch(/^::warning title=latency-performance \/ latency-p50::.+$/m)
    expect(io.out()).not.toMatch(/^::error /m)
  })

  it('without GITHUB_ACTIONS no workflow command is printed', async () => {
    const url = await closedPortUrl()
    const io = captureIo()
    expect(await main(['run', '--url', url, ...QUICK], io)).toBe(EXIT.failed)
    expect(io.out()).not.toMatch(/^::/m)
    expect(io.out()).toContain('── connection-lifecycle [1/2]')
  })
})

describe('output flags', () => {
  it('--json: the JSON report on stdout, the log and human report on stderr', async () => {
    server = await startReferenceServer()
    const io = captureIo()
    expect(await main(['run', '--url', server.url, ...QUICK, '--json'], io)).toBe(EXIT.healthy)
    const json = JSON.parse(io.out()) as Record<string, unknown>
    expectReportContract(json)
    expect(json.target).toBe(server.url)
    expect(io.err()).toMatch(/^ws-health: checking /)
    expect(io.err()).toContain('📊 WebSocket Health Report')
  })

  it('--report -: the JSON report on stdout and no file named "-"', async () => {
    server = await startReferenceServer()
    const io = { ...captureIo(), cwd: dir }
    expect(await main(['run', '--url', server.url, ...QUICK, '--report', '-'], io)).toBe(
      EXIT.healthy
    )
    expectReportContract(JSON.parse(io.out()) as Record<string, unknown>)
    expect(io.err()).toContain('Verdict: PASSED')
    expect(io.err()).not.toContain('Report written to')
  })

  it('--quiet: the verdict line only, for a pass and for a failure', async () => {
    server = await startReferenceServer()
    const passed = captureIo()
    expect(await main(['run', '--url', server.url, ...QUICK, '--quiet'], passed)).toBe(EXIT.healthy)
    expect(passed.out()).toMatch(/^ws-health: PASSED \(health [\d.]+\/100\)\n$/)
    expect(passed.err()).toBe('')
    const failed = captureIo()
    const url = await closedPortUrl()
    expect(await main(['run', '--url', url, ...QUICK, '--quiet'], failed)).toBe(EXIT.failed)
    expect(failed.out()).toMatch(/^ws-health: FAILED .*ECONNREFUSED.*\n$/)
    expect(lines(failed.out())).toHaveLength(1)
    expect(failed.err()).toBe('')
  })

  it('--no-color and NO_COLOR win over FORCE_COLOR', async () => {
    const url = await closedPortUrl()
    const forced = captureIo({ FORCE_COLOR: '1' })
    await main(['run', '--url', url, ...QUICK], forced)
    expect(forced.out()).toContain(ANSI)
    const flag = captureIo({ FORCE_COLOR: '1' })
    await main(['run', '--url', url, ...QUICK, '--no-color'], flag)
    expect(flag.out()).not.toContain(ANSI)
    expect(flag.out()).toContain('Verdict: FAILED')
    const env = captureIo({ FORCE_COLOR: '1', NO_COLOR: '1' })
    await main(['run', '--url', url, ...QUICK], env)
    expect(env.out()).not.toContain(ANSI)
  })

  it('--verbose adds the per-connection lines the report leaves out by default', async () => {
    server = await startReferenceServer()
    const args = [
      'run',
      '--url',
      server.url,
      '--duration',
      '1',
      '--suites',
      'concurrent-connections',
      '--connections',
      '2'
    ]
    const plain = captureIo()
    expect(await main(args, plain)).toBe(EXIT.healthy)
    expect(plain.out()).not.toContain('Connection Metrics')
    const verbose = captureIo()
    expect(await main([...args, '--verbose'], verbose)).toBe(EXIT.healthy)
    expect(verbose.out()).toMatch(/📊 Connection Metrics:\n {2}• \S+ \(Concurrent Connections\):/)
  })
})

describe('help and mistakes', () => {
  async function help(argv: string[]): Promise<string> {
    const io = captureIo()
    expect(await main(argv, io)).toBe(EXIT.healthy)
    expect(io.err()).toBe('')
    return io.out()
  }

  it('each command has its own help listing every flag with its default and an example', async () => {
    const run = await help(['run', '--help'])
    const merge = await help(['merge', '--help'])
    expect(run).not.toBe(merge)
    expect(run).toMatch(/^Usage: ws-health run /)
    expect(run).toContain('  --duration S\n')
    expect(run).toContain('Default: 60. Example: --duration 30')
    expect(run).toContain('Default: 10. Example: --connections 50')
    expect(run).toContain('Default: failed. Example: --fail-on degraded')
    expect(run).toContain('  --json\n')
    expect(run).not.toContain('See docs/cli.md')
    expect(merge).toMatch(/^Usage: ws-health merge FILE\.\.\./)
    expect(merge).toContain('  --report FILE|-\n')
    expect(merge).not.toContain('--duration')
    expect(await help(['help', 'merge'])).toBe(merge)
    expect(await help(['serve', '--help'])).toContain('  --port N\n')
    expect(await help(['discover', '--help'])).toMatch(/^Usage: ws-health discover \[DIR\]/)
    expect(await help(['history', '--help'])).toContain('  --repo OWNER/NAME\n')
    expect(await help(['--help'])).toContain('ws-health run [--url URL]')
  })

  it("a mistyped flag or command is exit 2 with a suggestion and the command's help", async () => {
    const flag = captureIo()
    expect(await main(['run', '--duratoin', '5'], flag)).toBe(EXIT.usage)
    expect(lines(flag.err())).toEqual([
      'ws-health: unknown option --duratoin for "ws-health run"; did you mean --duration?',
      'Run "ws-health run --help" for usage.'
    ])
    expect(flag.out()).toBe('')
    const command = captureIo()
    expect(await main(['rnu', '--url', 'ws://127.0.0.1:1/ws'], command)).toBe(EXIT.usage)
    expect(command.err()).toContain('unknown command "rnu"; did you mean "run"?')
    expect(command.err()).toContain('Run "ws-health --help" for usage.')
  })
})
