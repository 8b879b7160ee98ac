/**
 * The committed bundles end to end, as a runner and a user run them:
 * `node dist/index.js` with INPUT_*, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY,
 * and `node dist/cli.js`. The bundles are a fresh build of the sources in a
 * temp directory (fixtures/dist-build.ts); CI's check-dist then proves the
 * committed dist/ equals such a build.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startReferenceServer, type ReferenceServer } from '../../src/server/reference-server.js'
import { startRefusingServer } from '../fixtures/faulty-servers.js'
import { closedPortUrl, type TestServer } from '../fixtures/ws-server.js'
import { expectReportContract } from '../fixtures/report-contract.js'
import { ACTION, BUILD_LIMIT_MS, CLI, ensureFreshDist } from '../fixtures/dist-build.js'
import { childEnv, parseOutputFile, runNode } from '../fixtures/dist-child.js'

let dir = ''
let server: ReferenceServer | TestServer | undefined

// Built by the dist project's globalSetup; this builds it when this file runs alone.
beforeAll(ensureFreshDist, BUILD_LIMIT_MS)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsh-dist-'))
})

afterEach(async () => {
  await server?.close()
  server = undefined
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('node dist/index.js (the action)', () => {
  async function runAction(inputs: Record<string, string>, extraEnv: Record<string, string> = {}) {
    const outputFile = join(dir, `output-${Date.now()}.txt`)
    const summaryFile = join(dir, `summary-${Date.now()}.md`)
    await writeFile(outputFile, '')
    await writeFile(summaryFile, '')
    const env: Record<string, string> = {
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: dir,
      ...extraEnv
    }
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
    const finished = await runNode(ACTION, [], childEnv(env), dir)
    return {
      ...finished,
      outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
      summary: await readFile(summaryFile, 'utf8')
    }
  }

  it('validates the reference server: outputs, JSON report and step summary', async () => {
    server = await startReferenceServer()
    const result = await runAction({ url: server.url, duration: '2' })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    // Every suite runs; the critical ones must pass. A non-critical suite may
    // degrade on a loaded test machine, which fail_on: failed allows.
    expect(['passed', 'degraded']).toContain(result.outputs.status)
    expect(Number(result.outputs.health_score)).toBeGreaterThan(0)
    expect(Number.isFinite(Number(result.outputs.p95_latency_ms))).toBe(true)
    expect(result.outputs.connection_lifecycle_status).toBe('passed')
    expect(result.outputs.message_delivery_status).toBe('passed')
    expect(result.outputs.report_path).toBe(join(dir, 'ws-health-report.json'))
    const report = JSON.parse(await readFile(result.outputs.report_path as string, 'utf8'))
    expectReportContract(report as Record<string, unknown>)
    for (const title of ['Connection Lifecycle', 'Message Delivery', 'Heartbeat Monitoring']) {
      // Passing suites are folded: their table is one click away.
      expect(result.summary).toContain(`<details><summary>✅ ${title}: PASSED`)
    }
    expect(result.summary).toContain('| Check | Value | Threshold | Status | Details |')
    expect(result.summary).toContain('### Key metrics')
  })

  it('logs a start line and a group per suite, and annotates each failed cause', async () => {
    const url = await closedPortUrl()
    const result = await runAction(
      { url, duration: '1', suites: 'connection-lifecycle' },
      {
        GITHUB_ACTIONS: 'true'
      }
    )
    expect(result.code).toBe(1)
    const lines = result.stdout.split('\n')
    expect(lines.findIndex((line) => line.startsWith(`ws-health: checking ${url} · `))).toBe(
      lines.indexOf('::group::connection-lifecycle') - 1
    )
    expect(lines).toContain('::endgroup::')
    expect(result.stdout).toMatch(/^::error title=connection-lifecycle \/ [^:]+::.*ECONNREFUSED/m)
  })

  it('fails the step with the reason for a closed port', async () => {
    const result = await runAction({ url: await closedPortUrl(), duration: '1' })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/::error::WebSocket health FAILED.*refused/)
    expect(result.outputs.status).toBe('failed')
    expect(result.summary).toContain('### ❌ Connection Lifecycle: FAILED')
  })
})

describe('node dist/cli.js', () => {
  it('run: passes the reference server and writes --report (exit 0)', async () => {
    server = await startReferenceServer()
    const reportPath = join(dir, 'cli', 'report.json')
    const result = await runNode(
      CLI,
      [
        'run',
        '--url',
        server.url,
        '--duration',
        '1',
        '--suites',
        'connection-lifecycle,message-delivery,heartbeat-monitoring',
        '--report',
        reportPath
      ],
      childEnv(),
      dir
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('✅ Verdict: PASSED')
    expectReportContract(JSON.parse(await readFile(reportPath, 'utf8')) as Record<string, unknown>)
  })

  it('run: a closed port is exit 1 with the reason, in bounded time', async () => {
    const result = await runNode(
      CLI,
      ['run', '--url', await closedPortUrl(), '--duration', '1'],
      childEnv(),
      dir
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^ws-health: FAILED .*ECONNREFUSED/m)
  })

  it('run: an upgrade refused with 503 is exit 1 naming HTTP 503', async () => {
    server = await startRefusingServer(503)
    const result = await runNode(
      CLI,
      ['run', '--url', server.url, '--duration', '1'],
      childEnv(),
      dir
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('HTTP 503')
  })

  it('a bad flag is exit 2 with one clear line, no stack trace', async () => {
    const result = await runNode(
      CLI,
      ['run', '--url', 'ws://127.0.0.1:1/ws', '--bogus'],
      childEnv(),
      dir
    )
    expect(result.code).toBe(2)
    expect(result.stderr.split('\n')[0]).toMatch(/^ws-health: unknown option --bogus/)
    expect(result.stderr).not.toMatch(/^\s+at /m)
    expect(result.stdout).toBe('')
  })

  it('--help prints usage (exit 0)', async () => {
    const result = await runNode(CLI, ['--help'], childEnv(), dir)
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('ws-health run [--url URL]')
  })
})
