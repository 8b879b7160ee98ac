/**
 * SIGINT/SIGTERM against real child processes: the CLI (src/cli.ts) and the
 * action (src/index.ts), run from source through tsx (no dist/ rebuild),
 * interrupted mid-run against a silent service. Each must write its report
 * (and the action its outputs and step summary) marked cancelled, blame
 * nothing on the service, and exit 130 / 143 although the service never
 * closes its sockets.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startSilentServer, type TestServer } from '../fixtures/ws-server.js'
import {
  CHILD_LIMIT_MS,
  childEnv,
  parseOutputFile,
  startNode,
  type StartedChild
} from '../fixtures/dist-child.js'

const ROOT = process.cwd()
/**
 * Runs TypeScript sources in the child (tsx comes with @github/local-action);
 * by path, as the child runs in a temp directory without node_modules.
 */
const FROM_SOURCE = [
  '--import',
  pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href
]
/**
 * A handshake limit far beyond the child's limit: if anything waited on a
 * handshake to the silent service, the child would not exit in time and
 * the test would fail (CHILD_LIMIT_MS).
 */
const HANDSHAKE_TIMEOUT_MS = 600_000

let dir = ''
let server: TestServer | undefined
let running: StartedChild | undefined

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsh-cancel-'))
})

afterEach(async () => {
  running?.child.kill('SIGKILL')
  running = undefined
  await server?.close()
  server = undefined
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Resolves when the service was reached; rejects with the child's output if it ended first. */
async function reachedBy(reached: Promise<void>, child: StartedChild): Promise<void> {
  await Promise.race([
    reached,
    child.finished.then((early) => {
      throw new Error(`the child ended (${early.code}) first: ${early.stderr}`)
    })
  ])
}

/** A silent service and a promise settled when the child's first socket reaches it. */
async function silentService(): Promise<{ url: string; reached: Promise<void> }> {
  let reachedIt!: () => void
  const reached = new Promise<void>((resolve) => (reachedIt = resolve))
  server = await startSilentServer({ onSocket: () => reachedIt() })
  return { url: server.url, reached }
}

async function configFile(extra: Record<string, unknown> = {}): Promise<string> {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`)
  await writeFile(path, JSON.stringify({ handshake_timeout_ms: HANDSHAKE_TIMEOUT_MS, ...extra }))
  return path
}

interface ReportJson {
  status: string
  cancelled?: { signal: string; reason: string }
  suites: { id: string; status: string; checks: { status: string; code?: string }[] }[]
}

/** Nothing in a cancelled report is failed or blamed on ws-health or the service. */
function expectNothingBlamed(report: ReportJson): void {
  const checks = report.suites.flatMap((suite) => suite.checks)
  expect(checks.length).toBeGreaterThan(0)
  expect(checks.filter((check) => check.status === 'failed')).toEqual([])
  expect(checks.filter((check) => check.code === 'WSH_ERR_INTERNAL')).toEqual([])
  expect(checks.some((check) => check.code === 'WSH_ERR_CANCELLED')).toBe(true)
  for (const suite of report.suites) expect(suite.status).not.toBe('failed')
}

describe('ws-health run interrupted (child process)', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130]
  ] as const)(
    'on %s writes the report marked cancelled and exits %i',
    async (signal, exitCode) => {
      const { url, reached } = await silentService()
      const reportPath = join(dir, `report-${signal}.json`)
      const args = ['run', '--url', url, '--duration', '60', '--report', reportPath]
      running = startNode(
        join(ROOT, 'src', 'cli.ts'),
        [...args, '--config', await configFile()],
        childEnv(),
        dir,
        FROM_SOURCE
      )
      await reachedBy(reached, running)
      running.child.kill(signal)
      const finished = await running.finished
      expect(finished.code).toBe(exitCode)
      expect(finished.stdout).toContain(`Verdict: CANCELLED (cancelled by ${signal}`)
      expect(finished.stdout).toContain(`Report written to ${reportPath}`)
      expect(finished.stderr).not.toMatch(/WSH_ERR_INTERNAL|internal error/)
      const report = JSON.parse(await readFile(reportPath, 'utf8')) as ReportJson
      expect(report.status).toBe('cancelled')
      expect(report.cancelled).toEqual({ signal, reason: `cancelled by ${signal}` })
      expectNothingBlamed(report)
    },
    CHILD_LIMIT_MS + 10_000
  )

  it(
    'exits on its own after its report while the silent service never closes a socket',
    async () => {
      // The suite's own timeout cuts it while its handshakes wait on the silent service.
      const { url, reached } = await silentService()
      const config = await configFile({ test_suites: { 'connection-lifecycle': { timeout: 2 } } })
      const args = ['run', '--url', url, '--suites', 'connection-lifecycle', '--duration', '1']
      running = startNode(
        join(ROOT, 'src', 'cli.ts'),
        [...args, '--config', config],
        childEnv(),
        dir,
        FROM_SOURCE
      )
      await reachedBy(reached, running)
      const finished = await running.finished
      expect(finished.code).toBe(1)
      expect(finished.stdout).toContain('Verdict: FAILED')
    },
    CHILD_LIMIT_MS + 10_000
  )
})

describe('the action interrupted (child process)', () => {
  it(
    'on SIGTERM writes report, outputs and step summary marked cancelled and exits 143',
    async () => {
      const { url, reached } = await silentService()
      const outputFile = join(dir, 'output.txt')
      const summaryFile = join(dir, 'summary.md')
      const reportPath = join(dir, 'action-report.json')
      await writeFile(outputFile, '')
      await writeFile(summaryFile, '')
      const env = childEnv({
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: summaryFile,
        RUNNER_TEMP: dir,
        INPUT_URL: url,
        INPUT_DURATION: '60',
        INPUT_REPORT_PATH: reportPath,
        INPUT_CONFIG: await configFile(),
        INPUT_CREATE_ISSUE: 'false'
      })
      running = startNode(join(ROOT, 'src', 'index.ts'), [], env, dir, FROM_SOURCE)
      await reachedBy(reached, running)
      running.child.kill('SIGTERM')
      const finished = await running.finished
      expect(finished.code).toBe(143)
      expect(finished.stdout).toContain('::error::WebSocket health CANCELLED')
      const outputs = parseOutputFile(await readFile(outputFile, 'utf8'))
      expect(outputs.status).toBe('cancelled')
      expect(outputs.report_path).toBe(reportPath)
      const report = JSON.parse(await readFile(reportPath, 'utf8')) as ReportJson
      expect(report.status).toBe('cancelled')
      expect(report.cancelled?.signal).toBe('SIGTERM')
      expectNothingBlamed(report)
      const summary = await readFile(summaryFile, 'utf8')
      expect(summary).toContain('## 📊 WebSocket Health Report (cancelled)')
      expect(summary).toContain('Verdict: CANCELLED')
    },
    CHILD_LIMIT_MS + 10_000
  )
})
